"""What each role may see and do, at the edges, against the real Zou.

Crafted requests with ids of a production the user is not on, lists
warmed by an admin and then read by weaker roles, refusals that must keep
what was typed, and live events that Zou sends without a production.
"""

import re

import pytest

from kitsu_web.extensions import socketio as kitsu_socketio
from tests.conftest import Auth
from tests.live_helpers import EVENTS, Inbox, bridged_app, wait_until
from tests.task_helpers import HX, ZouAdmin, csrf_of, unique

EDGE_PRODUCTIONS = {
    # key: (name, team). The manager and artist2 are not on Y.
    "X": ("Roles Edge X", ["manager", "supervisor", "artist1", "artist2",
                           "client", "vendor"]),
    "Y": ("Roles Edge Y", ["supervisor", "artist1", "client"]),
}
_productions = {}


def edge_production(stack, key):
    """A production of these tests (created once, found by name after)."""
    cache_key = (stack.name, key)
    if cache_key in _productions:
        return _productions[cache_key]
    admin = ZouAdmin(stack)
    name, team = EDGE_PRODUCTIONS[key]
    existing = {p["name"]: p for p in admin.get("/data/projects")}
    project = existing.get(name) or admin.post(
        "/data/projects", {"name": name, "production_type": "short"}
    )
    pid = project["id"]
    project = admin.get(f"/data/projects/{pid}")
    base = f"/data/projects/{pid}/settings"
    for type_id in stack.task_types.values():
        if type_id not in project["task_types"]:
            admin.post(f"{base}/task-types", {"task_type_id": type_id})
    for status_id in stack.task_statuses.values():
        if status_id not in project["task_statuses"]:
            admin.post(f"{base}/task-status", {"task_status_id": status_id})
    prop = stack.seed["asset_types"]["Prop"]
    if prop not in project["asset_types"]:
        admin.post(f"{base}/asset-types", {"asset_type_id": prop})
    for who in team:
        if stack.users[who]["id"] not in project["team"]:
            admin.post(f"/data/projects/{pid}/team",
                       {"person_id": stack.users[who]["id"]})
    _productions[cache_key] = pid
    return pid


def edge_task(stack, key, assignees=(), name=None):
    """A new asset of an edge production with one Modeling task."""
    admin = ZouAdmin(stack)
    pid = edge_production(stack, key)
    prop = stack.seed["asset_types"]["Prop"]
    asset = admin.post(
        f"/data/projects/{pid}/asset-types/{prop}/assets/new",
        {"name": name or unique("Edge"), "description": ""},
    )
    modeling = stack.task_types["Modeling"]
    task = admin.post(
        f"/actions/projects/{pid}/task-types/{modeling}/assets/create-tasks",
        [asset["id"]],
    )[0]
    for who in assignees:
        admin.put(f"/actions/persons/{stack.users[who]['id']}/assign",
                  {"task_ids": [task["id"]]})
    task["asset"] = asset
    task["project_id"] = pid
    return task


def page_token(client):
    """A CSRF token from a page of the logged-in user."""
    return csrf_of(client.get("/notifications").get_data(as_text=True))


# ---------------------------------------------------------------------------
# Crafted actions
# ---------------------------------------------------------------------------


def test_bulk_status_never_comments_outside_the_tasks_production(
        client, auth, zou_stack):
    """A bulk status change names a production (the list's) that the
    manager manages; a task id of a production they are not on, slipped
    into it, is refused and gets no comment. (Zou's comment-many trusts
    the production of its URL for every task of the batch.)"""
    foreign = edge_task(zou_stack, "Y")
    own = edge_task(zou_stack, "X")
    auth.login("manager")
    token = page_token(client)
    response = client.post("/tasks/bulk", headers=HX, data={
        "csrf_token": token, "action": "status",
        "task_ids": [own["id"], foreign["id"]],
        "project_id": edge_production(zou_stack, "X"),
        "task_status_id": zou_stack.task_statuses["wip"],
        "comment": "bulk from the list of X",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-ok="1"' in html and 'data-failed="1"' in html
    assert f'data-task-id="{foreign["id"]}"' in html
    admin = ZouAdmin(zou_stack)
    assert admin.get(f"/data/tasks/{foreign['id']}/comments") == []
    assert len(admin.get(f"/data/tasks/{own['id']}/comments")) == 1


def test_artist_editing_someone_elses_comment_keeps_the_typed_text(
        client, auth, zou_stack):
    """A crafted edit of another person's comment: Zou refuses, the panel
    says so and the edit box still holds what was typed (escaped)."""
    task = edge_task(zou_stack, "X", assignees=("artist1",))
    admin = ZouAdmin(zou_stack)
    comment = admin.post(f"/actions/tasks/{task['id']}/comment", {
        "task_status_id": zou_stack.task_statuses["todo"],
        "comment": "written by the admin",
    })
    auth.login("artist1")
    token = page_token(client)
    typed = "my typed edit <b>kept</b>"
    response = client.post(
        f"/tasks/{task['id']}/comments/{comment['id']}/edit",
        data={"csrf_token": token, "text": typed}, headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Comment not changed" in html
    box = re.search(r'<textarea name="text" id="edit-[^"]+"[^>]*>(.*?)'
                    r"</textarea>", html, re.S)
    assert box, "the edit box is not shown again"
    assert box.group(1) == "my typed edit &lt;b&gt;kept&lt;/b&gt;"
    assert admin.get(f"/data/comments/{comment['id']}")["text"] == (
        "written by the admin"
    )


def test_shot_frames_in_other_digits_is_a_message_not_a_failure(
        client, auth, zou_stack):
    """Frames typed as "²" (a digit to Python, not to int()) get the
    form's message; nothing is created."""
    pid = edge_production(zou_stack, "X")
    admin = ZouAdmin(zou_stack)
    sequence = admin.post(f"/data/projects/{pid}/sequences",
                          {"name": unique("SQ")})
    auth.login("manager")
    token = page_token(client)
    name = unique("SH")
    response = client.post(f"/productions/{pid}/shots/new", data={
        "csrf_token": token, "name": name, "nb_frames": "²",
        "sequence_id": sequence["id"],
    })
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Frames must be a whole number." in page
    shots = admin.get(f"/data/projects/{pid}/shots")
    assert name not in {shot["name"] for shot in shots}


def test_marking_a_notification_that_is_not_ones_own(client, auth,
                                                    zou_stack):
    """Another person's notification, or a malformed id: "not available"
    (Zou answers a 500 to the latter: not the "Zou unavailable" page), and
    the owner's notification stays unread."""
    task = edge_task(zou_stack, "X", assignees=("artist1",))
    comment = ZouAdmin(zou_stack, "supervisor").post(
        f"/actions/tasks/{task['id']}/comment", {
            "task_status_id": zou_stack.task_statuses["wip"],
            "comment": "for artist1",
        })
    owner = ZouAdmin(zou_stack, "artist1")
    note = next(n for n in owner.get("/data/user/notifications")
                if n.get("comment_id") == comment["id"])
    auth.login("artist2")
    for target in (note["id"], "not-an-id"):
        page = client.post(f"/notifications/{target}/read",
                           data={"read": "1", "csrf_token": auth.csrf})
        assert page.status_code == 404, target
        fragment = client.post(
            f"/notifications/{target}/read", data={"read": "1"},
            headers={**HX, "X-CSRFToken": auth.csrf},
        )
        assert fragment.status_code == 200, target
        assert "Not available" in fragment.get_data(as_text=True), target
    assert owner.get(f"/data/user/notifications/{note['id']}")["read"] is (
        False
    )


# ---------------------------------------------------------------------------
# Lists warmed by a stronger role
# ---------------------------------------------------------------------------


def test_lists_warmed_by_an_admin_stay_closed_to_weaker_roles(
        app, zou_stack):
    """The admin loads X's and Y's assets first; then the vendor sees only
    their own assignment in X, and artist2 (not on Y) gets nothing of Y
    by list, row, panel, task page or ``?task=`` beside X's list."""
    mine = edge_task(zou_stack, "X", assignees=("vendor",))
    theirs = edge_task(zou_stack, "X")
    hidden = edge_task(zou_stack, "Y")
    x_id = edge_production(zou_stack, "X")
    y_id = edge_production(zou_stack, "Y")

    admin = app.test_client()
    Auth(admin, zou_stack).login("admin")
    for pid in (x_id, y_id):
        assert admin.get(f"/productions/{pid}/assets").status_code == 200

    vendor = app.test_client()
    Auth(vendor, zou_stack).login("vendor")
    html = vendor.get(f"/productions/{x_id}/assets").get_data(as_text=True)
    assert mine["asset"]["name"] in html
    assert theirs["asset"]["name"] not in html

    artist = app.test_client()
    Auth(artist, zou_stack).login("artist2")
    name = hidden["asset"]["name"]
    asset_id = hidden["asset"]["id"]
    for path in (
        f"/productions/{y_id}/assets",
        f"/productions/{y_id}/assets/rows/{asset_id}",
        f"/productions/{x_id}/assets/rows/{asset_id}",
        f"/tasks/{hidden['id']}/panel",
        f"/productions/{y_id}/assets/tasks/{hidden['id']}",
        f"/productions/{x_id}/assets?task={hidden['id']}",
        f"/my-tasks?task={hidden['id']}",
    ):
        for headers in ({}, HX):
            response = artist.get(path, headers=headers)
            assert response.status_code in (200, 404), path
            assert name not in response.get_data(as_text=True), path


# ---------------------------------------------------------------------------
# Live events without a production
# ---------------------------------------------------------------------------


def socket_for(app, zou_stack, who):
    """A test socket logged in through the HTTP form."""
    http = app.test_client()
    Auth(http, zou_stack).login(who)
    return Inbox(kitsu_socketio.test_client(
        app, namespace=EVENTS, flask_test_client=http,
    ))


def test_comment_event_without_production_reaches_only_its_team(
        app_settings, zou_stack):
    """Zou's generic comment route emits ``comment:new`` with no
    production: it goes to the team of the task's production (clients
    only for client comments), never to every studio connection."""
    assert zou_stack.bot_token, "the seed has no bot token"
    task = edge_task(zou_stack, "Y")
    marker = edge_task(zou_stack, "X")
    admin_api = ZouAdmin(zou_stack)
    with bridged_app(app_settings, zou_stack.bot_token) as (app, bridge):
        wait_until(lambda: bridge.state == "connected", 30,
                   what="bridge connected")
        admin = socket_for(app, zou_stack, "admin")
        member = socket_for(app, zou_stack, "artist1")
        outsider = socket_for(app, zou_stack, "artist2")
        client_role = socket_for(app, zou_stack, "client")

        comment = admin_api.post("/data/comments", {
            "object_id": task["id"], "object_type": "Task",
            "task_status_id": zou_stack.task_statuses["todo"],
            "person_id": zou_stack.users["admin"]["id"],
            "text": "through the generic route",
        })
        admin.wait_for("comment:new", comment_id=comment["id"])
        member.wait_for("comment:new", comment_id=comment["id"])
        # An event of X after it: once artist2 has it, Y's would be there.
        later = admin_api.post(f"/actions/tasks/{marker['id']}/comment", {
            "task_status_id": zou_stack.task_statuses["todo"],
            "comment": "marker",
        })
        outsider.wait_for("comment:new", comment_id=later["id"])
        client_role.wait_for("task:update", task_id=marker["id"])
        assert outsider.find("comment:new", comment_id=comment["id"]) == []
        assert client_role.find("comment:new",
                                comment_id=comment["id"]) == []


@pytest.mark.parametrize("who", ["artist2", "vendor"])
def test_studio_wide_events_still_reach_studio_connections(
        app_settings, zou_stack, who):
    """People and settings events (no production) keep going to every
    studio connection."""
    assert zou_stack.bot_token, "the seed has no bot token"
    admin_api = ZouAdmin(zou_stack)
    with bridged_app(app_settings, zou_stack.bot_token) as (app, bridge):
        wait_until(lambda: bridge.state == "connected", 30,
                   what="bridge connected")
        inbox = socket_for(app, zou_stack, who)
        person_id = zou_stack.users["artist1"]["id"]
        person = admin_api.get(f"/data/persons/{person_id}")
        admin_api.put(f"/data/persons/{person_id}",
                      {"phone": person.get("phone") or ""})
        inbox.wait_for("person:update", person_id=person_id)
