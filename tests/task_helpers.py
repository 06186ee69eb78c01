"""Fresh tasks for the task, comment, My Tasks and bulk tests.

Every test that changes a task gets its own asset or shot, created through
Zou's API with the admin token, so tests never depend on each other.
"""

import re
import secrets
import struct
import zlib

import requests

TIMEOUT = 30


class ZouAdmin:
    """Direct calls to the test Zou as admin (set-up and checks only)."""

    def __init__(self, stack, who="admin"):
        self.stack = stack
        self.who = who

    def call(self, method, path, **kwargs):
        """Send a request; fail loudly on an error answer."""
        response = requests.request(
            method, self.stack.api_url + path,
            headers=self.stack.headers(self.who), timeout=TIMEOUT, **kwargs,
        )
        assert response.status_code < 400, (
            f"{method} {path}: {response.status_code} {response.text[:300]}"
        )
        return response.json() if response.content else None

    def get(self, path, **kwargs):
        """GET and return JSON."""
        return self.call("GET", path, **kwargs)

    def post(self, path, json=None):
        """POST JSON and return JSON."""
        return self.call("POST", path, json=json)

    def put(self, path, json=None):
        """PUT JSON and return JSON."""
        return self.call("PUT", path, json=json)


def unique(prefix):
    """A name no other test uses."""
    return f"{prefix} {secrets.token_hex(3)}"


TASK_PRODUCTIONS = {
    # key: (name, team, thumbnails follow new previews); artist2 is on A
    # only. The task tests add their assets here, never to the seeded
    # productions whose content other tests count.
    "A": ("Task Tests A", ["manager", "supervisor", "artist1", "artist2",
                           "client", "vendor"], True),
    "B": ("Task Tests B", ["manager", "supervisor", "artist1"], False),
}
_productions = {}


def task_production(stack, key="A"):
    """A production of the task tests (created once, found by name after)."""
    cache_key = (stack.name, key)
    if cache_key in _productions:
        return _productions[cache_key]
    admin = ZouAdmin(stack)
    name, team, automated = TASK_PRODUCTIONS[key]
    existing = {p["name"]: p for p in admin.get("/data/projects")}
    project = existing.get(name) or admin.post("/data/projects", {
        "name": name, "production_type": "short",
        "is_set_preview_automated": automated,
    })
    pid = project["id"]
    project = admin.get(f"/data/projects/{pid}")
    base = f"/data/projects/{pid}"
    for type_id in stack.task_types.values():
        if type_id not in project["task_types"]:
            admin.post(f"{base}/settings/task-types",
                       {"task_type_id": type_id})
    for status_id in stack.task_statuses.values():
        if status_id not in project["task_statuses"]:
            admin.post(f"{base}/settings/task-status",
                       {"task_status_id": status_id})
    for type_id in stack.seed["asset_types"].values():
        if type_id not in project["asset_types"]:
            admin.post(f"{base}/settings/asset-types",
                       {"asset_type_id": type_id})
    for who in team:
        if stack.users[who]["id"] not in project["team"]:
            admin.post(f"{base}/team", {"person_id": stack.users[who]["id"]})
    _productions[cache_key] = {"id": pid, "name": name}
    return _productions[cache_key]


def make_asset_task(stack, project="A", task_type="Modeling",
                    assignees=("artist1",), asset_type="Prop"):
    """A new asset with one task (status todo) assigned to ``assignees``."""
    admin = ZouAdmin(stack)
    pid = task_production(stack, project)["id"]
    asset_type_id = stack.seed["asset_types"][asset_type]
    asset = admin.post(
        f"/data/projects/{pid}/asset-types/{asset_type_id}/assets/new",
        {"name": unique("Test"), "description": "made by a test"},
    )
    type_id = stack.task_types[task_type]
    tasks = admin.post(
        f"/actions/projects/{pid}/task-types/{type_id}/assets/create-tasks",
        [asset["id"]],
    )
    task = tasks[0]
    for key in assignees:
        admin.put(
            f"/actions/persons/{stack.users[key]['id']}/assign",
            {"task_ids": [task["id"]]},
        )
    return admin.get(f"/data/tasks/{task['id']}/full")


def png_bytes(width=8, height=8, rgb=(30, 140, 220)):
    """A small valid PNG picture."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return (struct.pack(">I", len(data)) + body
                + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def csrf_of(html):
    """The CSRF token of a rendered page or fragment."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return match.group(1) if match else None


HX = {"HX-Request": "true"}
