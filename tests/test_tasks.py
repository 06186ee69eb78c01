"""Task panel and full task page against the real Zou."""

import re

import pytest

from kitsu_web import zou
from tests.task_helpers import (
    HX,
    ZouAdmin,
    csrf_of,
    make_asset_task,
    task_production,
)


@pytest.fixture()
def task(zou_stack):
    """A fresh Modeling task in the short production, for artist1."""
    return make_asset_task(zou_stack)


def status_options(html):
    """Short names of the statuses offered in the comment form."""
    form = html.split('name="task_status_id"', 1)[1].split("</select>")[0]
    return re.findall(r'>([a-z]+) · ', form)


def test_panel_fragment_has_the_contract_root(client, auth, task):
    """GET /tasks/<tid>/panel with htmx answers the panel fragment."""
    auth.login("artist1")
    response = client.get(f"/tasks/{task['id']}/panel", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert (f'<section class="panel panel-panel" id="panel-{task["id"]}" '
            f'data-task-id="{task["id"]}" '
            f'data-refresh-url="/tasks/{task["id"]}/panel"') in html
    assert task["entity"]["name"] in html
    assert "Modeling" in html
    assert "Alex Artist" in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_panel_without_htmx_is_the_full_page(client, auth, task):
    """The panel address opened directly shows the whole task page."""
    auth.login("artist1")
    response = client.get(f"/tasks/{task['id']}/panel")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html and 'class="panel panel-page' in html


def test_artist_menu_has_only_artist_statuses(client, auth, task, zou_stack):
    """Artists are offered the artist-allowed statuses, never Done."""
    auth.login("artist1")
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    offered = status_options(html)
    assert "wip" in offered and "todo" in offered
    for forbidden in zou_stack.artist_forbidden_statuses:
        assert forbidden not in offered


def test_supervisor_menu_has_every_status(client, auth, task):
    """Supervisors may set any status of the production, Done included."""
    auth.login("supervisor")
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    assert {"todo", "wip", "wfa", "retake", "done"} <= set(
        status_options(html))


@pytest.mark.parametrize("path", [
    "/productions/{pid}/assets/tasks/{tid}",
    "/productions/{pid}/shots/tasks/{tid}",
    "/productions/{pid}/edits/tasks/{tid}",
    "/productions/{pid}/episodes/main/assets/tasks/{tid}",
    "/productions/{pid}/episodes/main/shots/tasks/{tid}",
])
def test_every_mail_url_form_opens_the_task(client, auth, task, path):
    """Each task URL form of Zou's e-mails renders the full task page."""
    auth.login("artist1")
    url = path.format(pid=task["project_id"], tid=task["id"])
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, url
    assert "<html" in html and task["entity"]["name"] in html
    assert 'class="panel panel-page' in html


def test_tv_show_task_page_with_episode(client, auth, zou_stack):
    """A TV show task opens under its real episode id."""
    admin = ZouAdmin(zou_stack)
    tv = zou_stack.projects["tv"]
    tasks = admin.get(f"/data/projects/{tv['id']}/tasks")
    shot_task = next(t for t in tasks
                     if t["task_type_id"] == zou_stack.task_types["Layout"])
    episode = tv["episodes"][0]["id"]
    auth.login("supervisor")
    response = client.get(
        f"/productions/{tv['id']}/episodes/{episode}/shots/tasks/"
        f"{shot_task['id']}"
    )
    assert response.status_code == 200


def test_task_page_in_another_production_is_not_found(client, auth, task,
                                                       zou_stack):
    """The production in the address must be the task's."""
    auth.login("supervisor")
    other = task_production(zou_stack, "B")["id"]
    response = client.get(f"/productions/{other}/assets/tasks/{task['id']}")
    assert response.status_code == 404


def test_task_out_of_reach_is_not_available(client, auth, zou_stack):
    """artist2 is not in production B: "not available" in place."""
    task = make_asset_task(zou_stack, project="B", assignees=())
    auth.login("artist2")
    response = client.get(f"/tasks/{task['id']}/panel", headers=HX)
    assert response.status_code == 200
    assert "Not available" in response.get_data(as_text=True)
    page = client.get(f"/productions/{task['project_id']}/assets/tasks/"
                      f"{task['id']}")
    assert page.status_code == 404


def test_panel_context_raises_not_available(client, auth, zou_stack):
    """panel_context() raises zou.NotAvailable for lists to handle."""
    from kitsu_web.tasks.panel import panel_context

    task = make_asset_task(zou_stack, project="B", assignees=())
    auth.login("artist2")
    with client:
        client.get("/open-productions")
        with pytest.raises(zou.NotAvailable):
            panel_context(zou.current(), task["id"])


def test_list_url_keeps_search_in_page_and_close_urls(client, auth, task):
    """Opened from a filtered list, the panel keeps the list's address."""
    auth.login("artist1")
    list_url = f"/my-tasks?search=Test&task={task['id']}"
    html = client.get(
        f"/tasks/{task['id']}/panel",
        headers={**HX, "HX-Current-URL": "http://localhost/my-tasks?"
                 "search=Test"},
    ).get_data(as_text=True)
    assert f'data-page-url="{list_url.replace("&", "&amp;")}"' in html
    assert 'href="/my-tasks?search=Test" title="Close the panel"' in html


def test_supervisor_assigns_and_unassigns(client, auth, task, zou_stack):
    """Assign and unassign from the panel; the list is told."""
    auth.login("supervisor")
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    artist2 = zou_stack.users["artist2"]["id"]
    response = client.post(
        f"/tasks/{task['id']}/assign",
        data={"person_id": artist2, "csrf_token": csrf_of(html)},
        headers=HX,
    )
    assert response.status_code == 200
    assert "task-updated" in response.headers["HX-Trigger"]
    assert "Bea Artist" in response.get_data(as_text=True)
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}")
    assert artist2 in full["assignees"]

    response = client.post(
        f"/tasks/{task['id']}/unassign",
        data={"person_id": artist2, "csrf_token": csrf_of(html)},
        headers=HX,
    )
    assert response.status_code == 200
    full = ZouAdmin(zou_stack).get(f"/data/tasks/{task['id']}")
    assert artist2 not in full["assignees"]


def test_artist_cannot_unassign_others(client, auth, task, zou_stack):
    """An artist's attempt to remove someone else is refused with a note."""
    admin = ZouAdmin(zou_stack)
    artist2 = zou_stack.users["artist2"]["id"]
    admin.put(f"/actions/persons/{artist2}/assign",
              {"task_ids": [task["id"]]})
    auth.login("artist1")
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    assert 'aria-label="Unassign Bea Artist"' not in html
    response = client.post(
        f"/tasks/{task['id']}/unassign",
        data={"person_id": artist2, "csrf_token": csrf_of(html)},
        headers=HX,
    )
    assert response.status_code == 422
    assert "Not unassigned" in response.get_data(as_text=True)


def test_no_js_assign_redirects_back(client, auth, task, zou_stack):
    """Without htmx, an action redirects to the page it came from."""
    auth.login("supervisor")
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    response = client.post(
        f"/tasks/{task['id']}/assign",
        data={"person_id": zou_stack.users["artist2"]["id"],
              "csrf_token": csrf_of(html),
              "next": f"/my-tasks?task={task['id']}"},
    )
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith(f"/my-tasks?task={task['id']}")


def test_colors_stylesheet(client, auth):
    """Status colours come as CSS classes."""
    auth.login("artist1")
    response = client.get("/colors.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert ".status-" in response.get_data(as_text=True)


def test_client_menu_has_client_allowed_statuses(client, auth, task,
                                                 zou_stack):
    """Clients are offered only the client-allowed statuses."""
    statuses = ZouAdmin(zou_stack).get("/data/task-status")
    linked = set(zou_stack.task_statuses.values())
    expected = {s["short_name"] for s in statuses
                if s["id"] in linked and s["is_client_allowed"]}
    auth.login("client")
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    assert set(status_options(html)) == expected


def test_vendor_menu_follows_the_artist_rule(client, auth, zou_stack):
    """Vendors, like artists, never get the artist-forbidden statuses."""
    task = make_asset_task(zou_stack, assignees=("vendor",))
    auth.login("vendor")
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    offered = status_options(html)
    assert "wip" in offered
    for forbidden in zou_stack.artist_forbidden_statuses:
        assert forbidden not in offered
