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


def make_asset_task(stack, project="short", task_type="Modeling",
                    assignees=("artist1",), asset_type="Prop"):
    """A new asset with one task (status todo) assigned to ``assignees``."""
    admin = ZouAdmin(stack)
    pid = stack.projects[project]["id"]
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
