"""Bulk actions on selected tasks, against the real Zou."""

import re

import pytest

from tests.task_helpers import (
    HX,
    ZouAdmin,
    csrf_of,
    make_asset_task,
    unique,
)

NB_SHOTS = 50


@pytest.fixture(scope="module")
def big_sequence(zou_stack):
    """A throwaway production with one sequence of 50 shots and their
    Layout tasks; closed at the end so it leaves every list."""
    admin = ZouAdmin(zou_stack)
    project = admin.post("/data/projects", {
        "name": unique("Bulk test"), "production_type": "short",
    })
    pid = project["id"]
    layout = zou_stack.task_types["Layout"]
    admin.post(f"/data/projects/{pid}/settings/task-types",
               {"task_type_id": layout})
    for status_id in zou_stack.task_statuses.values():
        admin.post(f"/data/projects/{pid}/settings/task-status",
                   {"task_status_id": status_id})
    for key in ("manager", "supervisor", "artist1"):
        admin.post(f"/data/projects/{pid}/team",
                   {"person_id": zou_stack.users[key]["id"]})
    sequence = admin.post(f"/data/projects/{pid}/sequences",
                          {"name": "SQ900"})
    for index in range(1, NB_SHOTS + 1):
        admin.post(f"/data/projects/{pid}/shots", {
            "name": f"SH{index:04d}", "sequence_id": sequence["id"],
        })
    tasks = admin.post(
        f"/actions/projects/{pid}/task-types/{layout}/shots/create-tasks", []
    )
    assert len(tasks) == NB_SHOTS
    yield {"project": project, "tasks": tasks}
    closed = next(s for s in admin.get("/data/project-status")
                  if s["name"].lower() == "closed")
    admin.put(f"/data/projects/{pid}", {"project_status_id": closed["id"]})


def bulk_post(client, token, task_ids, action="status", **values):
    """One chunk, as the selection script sends it."""
    data = {"csrf_token": token, "action": action, "task_ids": task_ids}
    data.update(values)
    return client.post("/tasks/bulk", data=data, headers=HX)


def token_for(client):
    """A CSRF token from the My Tasks page."""
    return csrf_of(client.get("/my-tasks").get_data(as_text=True))


def test_case4_fifty_tasks_to_wip_in_chunks(client, auth, zou_stack,
                                            big_sequence):
    """Case 4: 50 tasks change to WIP in chunks, one comment each."""
    auth.login("manager")
    token = token_for(client)
    ids = [t["id"] for t in big_sequence["tasks"]]
    wip = zou_stack.task_statuses["wip"]
    done = 0
    for start in range(0, len(ids), 10):
        chunk = ids[start:start + 10]
        response = bulk_post(
            client, token, chunk, task_status_id=wip,
            comment="Blocking starts.",
            project_id=big_sequence["project"]["id"],
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'data-ok="10" data-failed="0"' in html
        assert "tasks-updated" in response.headers["HX-Trigger"]
        done += 10
    assert done == NB_SHOTS

    admin = ZouAdmin(zou_stack)
    tasks = admin.get(
        f"/data/projects/{big_sequence['project']['id']}/tasks")
    assert len(tasks) == NB_SHOTS
    assert {t["task_status_id"] for t in tasks} == {wip}
    for task in tasks[:NB_SHOTS]:
        comments = admin.get(f"/data/tasks/{task['id']}/comments")
        assert [c["text"] for c in comments] == ["Blocking starts."]


def test_bulk_bar_offers_role_actions(client, auth, big_sequence):
    """Supervisors get status, assignment and priority; artists status."""
    auth.login("supervisor")
    bar = client.get("/tasks/bulk-bar?project_id="
                     f"{big_sequence['project']['id']}", headers=HX)
    html = bar.get_data(as_text=True)
    assert '<form id="bulk-form"' in html
    assert 'value="assign"' in html and 'value="priority"' in html
    assert ">done · " in html
    auth.logout()
    auth.login("artist1")
    html = client.get("/tasks/bulk-bar?project_id="
                      f"{big_sequence['project']['id']}",
                      headers=HX).get_data(as_text=True)
    assert 'value="status"' in html
    assert 'value="assign"' not in html and ">done · " not in html


def test_failed_tasks_are_listed_and_retried_alone(client, auth, zou_stack):
    """An artist's bulk change skips a task not theirs; retry it alone."""
    mine = make_asset_task(zou_stack)
    other = make_asset_task(zou_stack, assignees=("artist2",))
    auth.login("artist1")
    token = token_for(client)
    wip = zou_stack.task_statuses["wip"]
    response = bulk_post(client, token, [mine["id"], other["id"]],
                         task_status_id=wip, comment="Go.")
    html = response.get_data(as_text=True)
    assert 'data-ok="1" data-failed="1"' in html
    failure = html.split('class="bulk-failure"', 1)[1]
    assert f'data-task-id="{other["id"]}"' in failure
    assert other["entity"]["name"] in failure
    assert f'name="task_ids" value="{other["id"]}"' in failure

    ZouAdmin(zou_stack).put(
        f"/actions/persons/{zou_stack.users['artist1']['id']}/assign",
        {"task_ids": [other["id"]]},
    )
    retry = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', failure))
    response = client.post("/tasks/bulk", data=retry, headers=HX)
    assert 'data-ok="1" data-failed="0"' in response.get_data(as_text=True)
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{other['id']}")
    assert full["task_status_id"] == wip


def test_bulk_assign_unassign_priority(client, auth, zou_stack):
    """Supervisor assigns, sets priority, unassigns on several tasks."""
    tasks = [make_asset_task(zou_stack, assignees=()) for _ in range(3)]
    ids = [t["id"] for t in tasks]
    artist2 = zou_stack.users["artist2"]["id"]
    auth.login("supervisor")
    token = token_for(client)
    admin = ZouAdmin(zou_stack)

    html = bulk_post(client, token, ids, "assign",
                     person_id=artist2).get_data(as_text=True)
    assert 'data-ok="3"' in html
    assert all(artist2 in admin.get(f"/data/tasks/{t}")["assignees"]
               for t in ids)
    html = bulk_post(client, token, ids, "priority",
                     priority="2").get_data(as_text=True)
    assert 'data-ok="3"' in html
    assert {admin.get(f"/data/tasks/{t}")["priority"] for t in ids} == {2}
    html = bulk_post(client, token, ids, "unassign",
                     person_id=artist2).get_data(as_text=True)
    assert 'data-ok="3"' in html
    assert not any(admin.get(f"/data/tasks/{t}")["assignees"] for t in ids)


def test_without_javascript_the_form_posts_everything(client, auth,
                                                      zou_stack):
    """The plain form post works through the chunks and redirects back."""
    tasks = [make_asset_task(zou_stack) for _ in range(12)]
    auth.login("artist1")
    token = token_for(client)
    response = client.post("/tasks/bulk", data={
        "csrf_token": token, "action": "status",
        "task_ids": [t["id"] for t in tasks],
        "task_status_id": zou_stack.task_statuses["wfa"],
        "comment": "", "next": "/my-tasks",
    })
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/my-tasks")
    admin = ZouAdmin(zou_stack)
    assert {admin.get(f"/data/tasks/{t['id']}")["task_status_id"]
            for t in tasks} == {zou_stack.task_statuses["wfa"]}


def test_without_javascript_failures_get_a_page(client, auth, zou_stack):
    """Failures without JavaScript show a page with one retry per task."""
    other = make_asset_task(zou_stack, assignees=("artist2",))
    auth.login("artist1")
    token = token_for(client)
    response = client.post("/tasks/bulk", data={
        "csrf_token": token, "action": "status", "task_ids": [other["id"]],
        "task_status_id": zou_stack.task_statuses["wip"],
        "next": "/my-tasks",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "0 tasks updated, 1 failed" in html
    assert "Retry" in html


def test_missing_choice_is_refused(client, auth, zou_stack):
    """Assign without a person names what is missing."""
    auth.login("supervisor")
    token = token_for(client)
    response = bulk_post(client, token, ["x"], "assign", person_id="")
    assert response.status_code == 422
    assert "Choose a person" in response.get_data(as_text=True)


def test_list_pages_carry_the_bulk_form(client, auth, zou_stack):
    """A production list includes the bulk bar, so the cell checkboxes
    submit it even without JavaScript."""
    pid = zou_stack.projects["short"]["id"]
    auth.login("supervisor")
    html = client.get(f"/productions/{pid}/assets").get_data(as_text=True)
    bar = html.split('<div id="bulk-bar" class="bulk-bar">', 1)[1]
    assert bar.lstrip().startswith('<form id="bulk-form"')
    assert f'name="project_id" value="{pid}"' in bar
    assert 'form="bulk-form" class="cell-select"' in html


def test_client_bulk_status_follows_the_single_comment_rules(
        client, auth, zou_stack):
    """Zou's batch route keeps only supervisors' and assignees' comments;
    a client's bulk change goes through the per-task route, which lets
    clients set the statuses the panel offers them."""
    from tests.task_helpers import task_production

    task = make_asset_task(zou_stack)
    pid = task_production(zou_stack, "A")["id"]
    auth.login("client")
    bar = client.get(f"/tasks/bulk-bar?project_id={pid}",
                     headers=HX).get_data(as_text=True)
    menu = bar.split('name="task_status_id"', 1)[1].split("</select>")[0]
    offered = re.findall(r'<option value="([0-9a-f-]{36})"', menu)
    assert offered, "clients are offered at least one status"
    response = bulk_post(client, token_for_page(client, pid), [task["id"]],
                         task_status_id=offered[0], comment="Looks good.")
    assert 'data-ok="1" data-failed="0"' in response.get_data(as_text=True)
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}")
    assert full["task_status_id"] == offered[0]


def token_for_page(client, project_id):
    """A CSRF token from a page clients can open (they have no My Tasks)."""
    return csrf_of(client.get("/open-productions").get_data(as_text=True))
