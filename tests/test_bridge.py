"""The bridge to Zou's event stream: its states, its replay after a gap,
and the separate bridge process of a scaled-out deployment."""

import logging
import secrets
import subprocess
import sys

import pytest

from kitsu_web import create_app
from kitsu_web.extensions import socketio as kitsu_socketio
from kitsu_web.realtime import bridge as bridge_module
from tests.conftest import Auth
from tests.live_helpers import (
    EVENTS,
    ROOT,
    ExtraEventStream,
    Inbox,
    Listener,
    bridged_app,
    live_production,
    make_asset_task,
    post_comment,
    readyz,
    wait_until,
)
from tests.plugins.live_server import LiveServer


def bridge_logs(caplog, text):
    """Bridge log lines containing ``text``."""
    return [
        record.getMessage() for record in caplog.records
        if record.name == "kitsu_web.realtime.bridge"
        and text in record.getMessage()
    ]


def test_test_app_with_bridge_off_starts_nothing(app, client):
    """The test app (KITSU_WEB_BRIDGE=off) serves without any bridge."""
    assert client.get("/healthz").status_code == 200
    bridge = app.extensions["kitsu_bridge"]
    assert bridge.state == "off"
    assert bridge.start(lambda target: pytest.fail("started")) is False


def test_bridge_switched_off_stays_off_even_with_a_token(
        app_settings, zou_stack):
    """KITSU_WEB_BRIDGE=off: no bridge, whatever the token."""
    app = create_app(**{**app_settings, "bridge_mode": "off",
                        "bot_token": zou_stack.bot_token})
    response = app.test_client().get("/readyz")
    assert response.get_json()["checks"]["bridge"] == "off"
    bridge = app.extensions["kitsu_bridge"]
    assert bridge.start(lambda target: pytest.fail("started")) is False


def test_bridge_without_bot_token_is_off(app_settings):
    """No bot token: the bridge stays off and /readyz says so."""
    app = create_app(**{**app_settings, "bridge_mode": "inprocess",
                        "bot_token": ""})
    response = app.test_client().get("/readyz")
    assert response.get_json()["checks"]["bridge"] == "off"
    assert app.extensions["kitsu_bridge"].detail == "no bot token"


def test_refused_bot_token_is_auth_failed_logged_once(
        app_settings, monkeypatch, caplog):
    """Zou refuses the token: "auth failed" in /readyz, logged once
    however many retries."""
    monkeypatch.setattr(bridge_module, "AUTH_RETRY", 0.05)
    caplog.set_level(logging.INFO, logger="kitsu_web")
    with bridged_app(app_settings, "not-a-token") as (app, bridge):
        wait_until(lambda: bridge.state == "auth failed", 20,
                   what="auth failed")
        checks = app.test_client().get("/readyz").get_json()["checks"]
        assert checks["bridge"] == "auth failed"
        assert checks["bridge_upstream"] == 0
        attempts = []
        original = bridge_module.zou_events.get_authenticated_person

        def counting(caller):
            attempts.append(1)
            return original(caller)

        monkeypatch.setattr(bridge_module.zou_events,
                            "get_authenticated_person", counting)
        wait_until(lambda: len(attempts) >= 3, 20, what="retries")
    assert len(bridge_logs(caplog, "auth failed")) == 1


@pytest.fixture()
def stream(zou_stack):
    """An extra Zou event stream of the test stack, not started yet."""
    extra = ExtraEventStream(zou_stack)
    yield extra
    extra.stop()


def test_gap_is_replayed_once_and_states_follow(
        app_settings, zou_stack, stream, monkeypatch, caplog):
    """Stream down: "reconnecting" (logged once); back: "connected", the
    events missed meanwhile are delivered once, those delivered before the
    gap are not repeated, and browsers are told to refresh the rest."""
    monkeypatch.setattr(bridge_module, "BACKOFF_MAX", 0.5)
    caplog.set_level(logging.INFO, logger="kitsu_web")
    task = make_asset_task(zou_stack, "A", assignees=())
    with bridged_app(app_settings, zou_stack.bot_token,
                     event_target=stream.url) as (app, bridge):
        wait_until(lambda: bridge.state == "reconnecting", 20,
                   what="reconnecting while the stream is down")
        stream.start()
        wait_until(lambda: bridge.state == "connected", 30, what="connected")
        http = app.test_client()
        Auth(http, zou_stack).login("artist2")
        inbox = Inbox(kitsu_socketio.test_client(
            app, namespace=EVENTS, flask_test_client=http))
        before = post_comment(zou_stack, task["id"], text="before the gap")
        inbox.wait_for("comment:new", comment_id=before["id"])

        stream.stop()
        wait_until(lambda: bridge.state == "reconnecting", 20,
                   what="reconnecting after the stop")
        inbox.wait_for("kitsu-web:status", state="reconnecting")
        missed = post_comment(zou_stack, task["id"], status="wfa",
                              text="during the gap")
        stream.start()
        inbox.wait_for("comment:new", 40, comment_id=missed["id"])
        inbox.wait_for("kitsu-web:resync", scope="unlogged")
        assert bridge.state == "connected"
        after = post_comment(zou_stack, task["id"], status="wfa",
                             text="after the gap")
        inbox.wait_for("comment:new", comment_id=after["id"])

        for comment in (before, missed, after):
            assert len(inbox.find("comment:new",
                                  comment_id=comment["id"])) == 1
        changed = inbox.find("task:status-changed", task_id=task["id"])
        assert len(changed) == 2, changed  # todo -> wip -> wfa, once each
    assert len(bridge_logs(caplog, "bridge reconnecting")) == 2


def test_external_bridge_process_emits_on_its_own_channel(
        zou_stack, tmp_path):
    """KITSU_WEB_BRIDGE=external: the web process holds no upstream
    connection; the separate bridge process reaches its sockets through
    Redis on kitsu-web's channel, filtered (Zou's raw broadcast on its own
    channel does not leak in)."""
    channel = f"kitsu-web-test-{secrets.token_hex(3)}"
    shared = {
        "KITSU_WEB_BRIDGE": "external",
        "KITSU_WEB_SOCKETIO_CHANNEL": channel,
        "KITSU_WEB_BOT_TOKEN": zou_stack.bot_token,
    }
    web = LiveServer(zou_stack, tmp_path, extra_env=shared).start()
    bridge_log = tmp_path / "bridge.log"
    listener = None
    with open(bridge_log, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "kitsu_web.realtime.bridge"],
            cwd=ROOT, env=web.env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: readyz(web.url)["checks"]["bridge"]
                   == "connected", 40, what="external bridge connected")
        assert readyz(web.url)["checks"]["bridge_upstream"] == 0
        listener = Listener().connect(
            web.url, auth={"token": zou_stack.login("artist2")}
        )
        hidden = make_asset_task(zou_stack, "B", assignees=())
        shown = make_asset_task(zou_stack, "A", assignees=())
        post_comment(zou_stack, hidden["id"])
        comment = post_comment(zou_stack, shown["id"])
        listener.wait_for("comment:new", comment_id=comment["id"])
        other = live_production(zou_stack, "B")
        with listener.lock:
            leaked = [d for _, d in listener.events
                      if d.get("project_id") == other]
        assert leaked == []
    finally:
        if listener:
            listener.close()
        process.terminate()
        process.wait(15)
        web.stop()
    assert "event bridge connected" in bridge_log.read_text()
