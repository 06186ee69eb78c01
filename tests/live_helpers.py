"""Helpers for the live-update tests: fresh tasks, socket recorders, a
kitsu-web app whose bridge runs in the test process, extra event streams.
"""

import importlib.util
import json
import os
import secrets
import signal
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests
import socketio

from kitsu_web import create_app

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 30
EVENTS = "/events"


def zou_call(stack, method, path, who="admin", **kwargs):
    """Call the test Zou as a seeded person; fail on an error answer."""
    response = requests.request(
        method, stack.api_url + path, headers=stack.headers(who),
        timeout=TIMEOUT, **kwargs,
    )
    assert response.status_code < 400, (
        f"{method} {path}: {response.status_code} {response.text[:300]}"
    )
    return response.json() if response.content else None


LIVE_PRODUCTIONS = {
    # key: (name, team); artist2 is on A only.
    "A": ("Live Test A", ["manager", "supervisor", "artist1", "artist2",
                          "client"]),
    "B": ("Live Test B", ["manager", "supervisor", "artist1"]),
}
_productions = {}


def live_production(stack, key):
    """A production of the live tests (created once, found by name after).

    The live tests create their tasks there, never in the seeded
    productions whose content other tests count.
    """
    cache_key = (stack.name, key)
    if cache_key in _productions:
        return _productions[cache_key]
    name, team = LIVE_PRODUCTIONS[key]
    existing = {
        p["name"]: p for p in zou_call(stack, "GET", "/data/projects")
    }
    project = existing.get(name) or zou_call(
        stack, "POST", "/data/projects",
        json={"name": name, "production_type": "short"},
    )
    pid = project["id"]
    project = zou_call(stack, "GET", f"/data/projects/{pid}")
    base = f"/data/projects/{pid}"
    for type_id in stack.task_types.values():
        if type_id not in project["task_types"]:
            zou_call(stack, "POST", f"{base}/settings/task-types",
                     json={"task_type_id": type_id})
    for status_id in stack.task_statuses.values():
        if status_id not in project["task_statuses"]:
            zou_call(stack, "POST", f"{base}/settings/task-status",
                     json={"task_status_id": status_id})
    prop = stack.seed["asset_types"]["Prop"]
    if prop not in project["asset_types"]:
        zou_call(stack, "POST", f"{base}/settings/asset-types",
                 json={"asset_type_id": prop})
    for who in team:
        if stack.users[who]["id"] not in project["team"]:
            zou_call(stack, "POST", f"{base}/team",
                     json={"person_id": stack.users[who]["id"]})
    _productions[cache_key] = pid
    return pid


def assign(stack, task_id, assignees):
    """Assign seeded people to a task."""
    for key in assignees:
        zou_call(
            stack, "PUT", f"/actions/persons/{stack.users[key]['id']}/assign",
            json={"task_ids": [task_id]},
        )


def make_asset_task(stack, project="A", assignees=("artist2",),
                    task_type="Modeling"):
    """A new asset of a live production with one assigned task."""
    pid = live_production(stack, project)
    asset_type = stack.seed["asset_types"]["Prop"]
    asset = zou_call(
        stack, "POST",
        f"/data/projects/{pid}/asset-types/{asset_type}/assets/new",
        json={"name": f"Live {secrets.token_hex(3)}", "description": ""},
    )
    tasks = zou_call(
        stack, "POST",
        f"/actions/projects/{pid}/task-types/"
        f"{stack.task_types[task_type]}/assets/create-tasks",
        json=[asset["id"]],
    )
    task = tasks[0]
    assign(stack, task["id"], assignees)
    task["asset"] = asset
    return task


def make_shot_task(stack, project="A", assignees=("artist2",),
                   task_type="Layout"):
    """A new shot (in a new sequence) of a live production, with a task."""
    pid = live_production(stack, project)
    sequence = zou_call(
        stack, "POST", f"/data/projects/{pid}/sequences",
        json={"name": f"LV{secrets.token_hex(2)}"},
    )
    shot = zou_call(
        stack, "POST", f"/data/projects/{pid}/shots",
        json={"name": "SH010", "sequence_id": sequence["id"],
              "nb_frames": 24},
    )
    tasks = zou_call(
        stack, "POST",
        f"/actions/projects/{pid}/task-types/"
        f"{stack.task_types[task_type]}/shots/create-tasks",
        json=[shot["id"]],
    )
    task = tasks[0]
    assign(stack, task["id"], assignees)
    task["shot"] = shot
    return task


def post_comment(stack, task_id, status="wip", text=None, who="supervisor"):
    """Comment on a task as a seeded person (status by short name)."""
    return zou_call(
        stack, "POST", f"/actions/tasks/{task_id}/comment", who=who,
        json={
            "task_status_id": stack.task_statuses[status],
            "comment": text or f"live test {secrets.token_hex(3)}",
        },
    )


def wait_until(predicate, timeout=20.0, interval=0.05, what="condition"):
    """Poll ``predicate`` until it is true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Inbox:
    """Events received by a Flask-SocketIO test client, accumulated."""

    def __init__(self, client):
        self.client = client
        self.events = []

    def pull(self):
        """Collect what arrived; return everything so far."""
        for message in self.client.get_received(EVENTS):
            args = message.get("args") or [{}]
            self.events.append((message["name"], args[0]))
        return self.events

    def names(self):
        """Event names so far."""
        return [name for name, _ in self.pull()]

    def find(self, name, **match):
        """Events named ``name`` whose payload has the ``match`` values."""
        return [
            data for event, data in self.pull()
            if event == name
            and all(data.get(k) == v for k, v in match.items())
        ]

    def wait_for(self, name, timeout=20.0, **match):
        """The first matching event, waiting for it."""
        found = wait_until(
            lambda: self.find(name, **match), timeout,
            what=f"{name} {match}",
        )
        return found[0]


class Listener:
    """A python-socketio client recording the events of ``/events``."""

    def __init__(self):
        self.client = socketio.Client(reconnection=False)
        self.events = []
        self.lock = threading.Lock()
        self.client.on("*", self._record, namespace=EVENTS)

    def _record(self, name, data=None):
        with self.lock:
            self.events.append((name, data or {}))

    def connect(self, url, **kwargs):
        """Connect to ``url``'s ``/events``."""
        kwargs.setdefault("wait_timeout", 10)
        self.client.connect(url, namespaces=[EVENTS], **kwargs)
        return self

    def find(self, name, **match):
        """Matching events so far."""
        with self.lock:
            return [
                data for event, data in self.events if event == name
                and all(data.get(k) == v for k, v in match.items())
            ]

    def wait_for(self, name, timeout=20.0, **match):
        """The first matching event, waiting for it."""
        return wait_until(
            lambda: self.find(name, **match), timeout,
            what=f"{name} {match}",
        )[0]

    def close(self):
        """Disconnect."""
        if self.client.connected:
            self.client.disconnect()


def start_thread(target):
    """Run ``target`` in a daemon thread (the bridge in tests)."""
    threading.Thread(target=target, daemon=True).start()


@contextmanager
def bridged_app(app_settings, bot_token, **overrides):
    """A kitsu-web app whose in-process bridge runs in a thread."""
    settings = {**app_settings, "bridge_mode": "inprocess",
                "bot_token": bot_token, **overrides}
    app = create_app(**settings)
    bridge = app.extensions["kitsu_bridge"]
    bridge.start(start_thread)
    try:
        yield app, bridge
    finally:
        bridge.stop()


def free_port():
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_stack_script():
    """scripts/zou_stack.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "zou_stack_script", ROOT / "scripts" / "zou_stack.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class ExtraEventStream:
    """One more Zou event stream on the test stack, ours to stop."""

    def __init__(self, zou_stack):
        self.stack = zou_stack
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tag = f"events-{secrets.token_hex(3)}"
        self.pid = None

    def start(self, timeout=60):
        """Start it and wait until it answers."""
        script = load_stack_script()
        self.pid = script.start_extra_event_stream(
            self.stack.name, self.port, self.tag
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"event stream on {self.port} did not start")

    def stop(self, timeout=20):
        """Stop it (TERM, then KILL) and wait until its port is closed."""
        if not self.pid:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not _port_open(self.port), 10,
                   what="event stream port to close")

    def log(self):
        """Its log."""
        path = Path(self.stack.dir) / f"{self.tag}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _alive(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _port_open(port):
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def readyz(url):
    """kitsu-web's readiness answer as JSON."""
    return json.loads(requests.get(url + "/readyz", timeout=TIMEOUT).text)
