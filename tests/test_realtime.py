"""kitsu-web's Socket.IO namespace: who may connect, who receives what.

The bridge runs against the real test Zou: in the test process for the
Flask-SocketIO test clients, inside gunicorn for the live-server cases.
"""

import threading

import gazu
import psutil
import pytest
import requests
import socketio

from kitsu_web.extensions import socketio as kitsu_socketio
from tests.live_helpers import (
    EVENTS,
    Inbox,
    bridged_app,
    live_production,
    make_asset_task,
    post_comment,
    readyz,
    wait_until,
    zou_call,
)


@pytest.fixture()
def bridged(app_settings, zou_stack):
    """An app whose in-process bridge is connected to the test Zou."""
    assert zou_stack.bot_token, "the seed has no bot token"
    with bridged_app(app_settings, zou_stack.bot_token) as (app, bridge):
        wait_until(lambda: bridge.state == "connected", 30,
                   what="bridge connected")
        yield app


def socket_for(app, zou_stack, who=None, **kwargs):
    """A test socket logged in through the HTTP form (or not at all)."""
    http = app.test_client()
    if who:
        from tests.conftest import Auth

        Auth(http, zou_stack).login(who)
    client = kitsu_socketio.test_client(
        app, namespace=EVENTS, flask_test_client=http, **kwargs
    )
    return client


def test_artist_gets_only_own_productions_events_admin_gets_all(
        bridged, zou_stack):
    """Case 1: a comment in B then in A; the admin receives both, the
    artist (member of A only) receives A's and nothing from B."""
    task_b = make_asset_task(zou_stack, "B", assignees=())
    task_a = make_asset_task(zou_stack, "A", assignees=())
    artist = Inbox(socket_for(bridged, zou_stack, "artist2"))
    admin = Inbox(socket_for(bridged, zou_stack, "admin"))
    assert artist.client.is_connected(EVENTS)
    assert admin.client.is_connected(EVENTS)

    comment_b = post_comment(zou_stack, task_b["id"])
    comment_a = post_comment(zou_stack, task_a["id"])

    admin.wait_for("comment:new", comment_id=comment_b["id"])
    admin.wait_for("comment:new", comment_id=comment_a["id"])
    artist.wait_for("comment:new", comment_id=comment_a["id"])
    artist.wait_for("task:update", task_id=task_a["id"])
    b_project = live_production(zou_stack, "B")
    leaked = [data for _, data in artist.pull()
              if data.get("project_id") == b_project]
    assert leaked == []


def test_client_role_gets_task_events_but_not_internal_comments(
        bridged, zou_stack):
    """A client on the team gets the task's events, but not comment
    events about a comment that is not for clients."""
    task = make_asset_task(zou_stack, "A", assignees=())
    client = Inbox(socket_for(bridged, zou_stack, "client"))
    admin = Inbox(socket_for(bridged, zou_stack, "admin"))

    comment = post_comment(zou_stack, task["id"])
    admin.wait_for("comment:new", comment_id=comment["id"])
    client.wait_for("task:update", task_id=task["id"])
    assert client.find("comment:new", task_id=task["id"]) == []


def test_notification_goes_only_to_the_person_it_names(bridged, zou_stack):
    """notification:new reaches its recipient only, not other members or
    admins."""
    task = make_asset_task(zou_stack, "A", assignees=("artist1",))
    artist1 = Inbox(socket_for(bridged, zou_stack, "artist1"))
    artist2 = Inbox(socket_for(bridged, zou_stack, "artist2"))
    admin = Inbox(socket_for(bridged, zou_stack, "admin"))

    post_comment(zou_stack, task["id"])
    note = artist1.wait_for("notification:new")
    assert note["person_id"] == zou_stack.users["artist1"]["id"]
    artist2.wait_for("task:update", task_id=task["id"])
    admin.wait_for("task:update", task_id=task["id"])
    assert artist2.find("notification:new",
                        notification_id=note["notification_id"]) == []
    assert admin.find("notification:new",
                      notification_id=note["notification_id"]) == []


def test_team_change_applies_to_open_connections(bridged, zou_stack):
    """A person added to a team gets that production's next events on the
    connection they already have; removed, they stop getting them."""
    project_id = live_production(zou_stack, "B")
    artist2 = zou_stack.users["artist2"]["id"]
    task = make_asset_task(zou_stack, "B", assignees=())
    artist = Inbox(socket_for(bridged, zou_stack, "artist2"))
    admin = Inbox(socket_for(bridged, zou_stack, "admin"))
    post_comment(zou_stack, task["id"], text="before joining")
    admin.wait_for("task:update", task_id=task["id"])

    zou_call(zou_stack, "POST", f"/data/projects/{project_id}/team",
             json={"person_id": artist2})
    try:
        admin.wait_for("project:update", project_id=project_id)
        comment = post_comment(zou_stack, task["id"], text="after joining")
        artist.wait_for("comment:new", comment_id=comment["id"])
    finally:
        zou_call(zou_stack, "DELETE",
                 f"/data/projects/{project_id}/team/{artist2}")
    admin.wait_for("project:update", project_id=project_id)
    before = len(artist.find("task:update", task_id=task["id"]))
    comment = post_comment(zou_stack, task["id"], text="after leaving")
    admin.wait_for("comment:new", comment_id=comment["id"])
    assert artist.find("comment:new", comment_id=comment["id"]) == []
    assert len(artist.find("task:update", task_id=task["id"])) == before


@pytest.mark.parametrize("how", ["nothing", "garbage auth", "garbage header",
                                 "refresh token"])
def test_socket_without_session_or_valid_token_is_refused(
        bridged, zou_stack, how):
    """Case 4: no session and no token, or a bad token: refused."""
    kwargs = {}
    if how == "garbage auth":
        kwargs["auth"] = {"token": "garbage"}
    elif how == "garbage header":
        kwargs["headers"] = {"Authorization": "Bearer not.a.token"}
    elif how == "refresh token":
        refresh = zou_stack.fresh_login("artist2")["refresh_token"]
        kwargs["auth"] = {"token": refresh}
    client = socket_for(bridged, zou_stack, None, **kwargs)
    assert not client.is_connected(EVENTS)


@pytest.mark.parametrize("how", ["session", "auth payload", "bearer header"])
def test_session_or_zou_token_is_accepted(bridged, zou_stack, how):
    """A logged-in session or a Zou access token connects, and is told the
    bridge's state."""
    kwargs = {}
    token = zou_stack.login("artist2")
    if how == "auth payload":
        kwargs["auth"] = {"token": token}
    elif how == "bearer header":
        kwargs["headers"] = {"Authorization": f"Bearer {token}"}
    who = "artist2" if how == "session" else None
    inbox = Inbox(socket_for(bridged, zou_stack, who, **kwargs))
    assert inbox.client.is_connected(EVENTS)
    assert inbox.find("kitsu-web:status") == [{"state": "connected"}]


def test_logged_out_session_socket_is_refused(bridged, zou_stack):
    """After logout the same browser cannot connect any more."""
    from tests.conftest import Auth

    http = bridged.test_client()
    auth = Auth(http, zou_stack)
    auth.login("artist2")
    auth.logout()
    client = kitsu_socketio.test_client(
        bridged, namespace=EVENTS, flask_test_client=http
    )
    assert not client.is_connected(EVENTS)


# ------------------------------------------------------------- live server


def test_live_server_refuses_anonymous_and_garbage_sockets(live_server):
    """Case 4 over the network: the real server refuses both."""
    for kwargs in ({}, {"auth": {"token": "garbage"}},
                   {"headers": {"Authorization": "Bearer garbage"}}):
        client = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(live_server.url, namespaces=[EVENTS],
                           wait_timeout=10, **kwargs)
        client.disconnect()


def test_gazu_listener_on_kitsu_web_receives_task_update(
        live_server, zou_stack):
    """Case 5: gazu's event listener with its event host set to kitsu-web
    receives task:update for a production its user is on."""
    task = make_asset_task(zou_stack, "A", assignees=())
    gazu_client = gazu.client.create_client(zou_stack.api_url)
    gazu.log_in(zou_stack.users["artist2"]["email"],
                zou_stack.users["artist2"]["password"], client=gazu_client)
    gazu.set_event_host(live_server.url, client=gazu_client)
    received = []
    arrived = threading.Event()

    def on_task_update(data):
        if data.get("task_id") == task["id"]:
            received.append(data)
            arrived.set()

    event_client = gazu.events.init(client=gazu_client)
    try:
        gazu.events.add_listener(event_client, "task:update", on_task_update)
        zou_call(zou_stack, "PUT", f"/data/tasks/{task['id']}",
                 json={"estimation": 3})
        assert arrived.wait(20), "gazu received no task:update"
    finally:
        event_client.disconnect()
    assert received[0]["project_id"] == live_production(zou_stack, "A")


def upstream_connections(live_server, zou_stack):
    """TCP connections from kitsu-web's processes to Zou's event port."""
    event_port = int(zou_stack.event_url.rsplit(":", 1)[1])
    master = psutil.Process(live_server.process.pid)
    count = 0
    for process in [master, *master.children(recursive=True)]:
        for conn in process.net_connections(kind="tcp"):
            if (conn.status == psutil.CONN_ESTABLISHED and conn.raddr
                    and conn.raddr.port == event_port):
                count += 1
    return count


def test_two_hundred_sockets_share_one_upstream_connection(
        live_server, zou_stack):
    """Case 6: 200 Socket.IO clients on one kitsu-web process; still
    exactly one connection to Zou's event stream."""
    wait_until(lambda: readyz(live_server.url)["checks"]["bridge"]
               == "connected", 30, what="live server bridge")
    assert upstream_connections(live_server, zou_stack) == 1
    token = zou_stack.login("artist2")
    clients = []
    try:
        for _ in range(200):
            client = socketio.Client(reconnection=False)
            client.connect(live_server.url, namespaces=[EVENTS],
                           auth={"token": token}, transports=["websocket"],
                           wait_timeout=20)
            clients.append(client)
        checks = wait_until(
            lambda: (lambda c: c if c["sockets"] >= 200 else None)(
                readyz(live_server.url)["checks"]),
            30, what="200 sockets counted",
        )
        assert checks["bridge_upstream"] == 1
        assert upstream_connections(live_server, zou_stack) == 1
    finally:
        for client in clients:
            client.disconnect()


def test_readyz_reports_the_connected_bridge(live_server):
    """/readyz shows the bridge state of the serving process."""
    checks = wait_until(
        lambda: (lambda c: c if c["bridge"] == "connected" else None)(
            readyz(live_server.url)["checks"]),
        30, what="bridge connected",
    )
    assert checks["bridge_upstream"] == 1


def test_socket_io_client_script_is_served(live_server):
    """The vendored Socket.IO client and live.js are static files."""
    for path in ("/static/vendor/socket.io-4.8.1.min.js",
                 "/static/js/live.js"):
        assert requests.get(live_server.url + path, timeout=10).ok
