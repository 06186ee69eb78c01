"""My Tasks against the real Zou."""

import re

from tests.task_helpers import HX, ZouAdmin, csrf_of, make_asset_task


def rows_of(html):
    """Task ids of the rows, in order."""
    return re.findall(r'<tr data-task-id="([^"]+)"', html)


def test_artists_and_vendors_land_on_my_tasks(client, auth):
    """/ sends artists to My Tasks, as Kitsu does."""
    auth.login("artist1")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/my-tasks")


def test_supervisors_land_on_my_productions(client, auth):
    """Everyone else keeps My Productions as home."""
    auth.login("supervisor")
    response = client.get("/")
    assert response.headers["Location"].endswith("/open-productions")


def test_clients_have_no_my_tasks(client, auth):
    """Clients do not get My Tasks."""
    auth.login("client")
    assert client.get("/my-tasks").status_code == 404


def test_my_tasks_lists_the_users_tasks(client, auth, zou_stack):
    """Rows show production, entity, task type, status and open the panel."""
    task = make_asset_task(zou_stack)
    auth.login("artist1")
    response = client.get("/my-tasks")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert task["id"] in rows_of(html)
    row = html.split(f'<tr data-task-id="{task["id"]}"', 1)[1].split(
        "</tr>")[0]
    assert "Task Tests A" in row
    assert task["entity"]["name"] in row
    assert "Modeling" in row
    assert f'<td class="cell" data-task-id="{task["id"]}">' in row
    assert f'hx-get="/tasks/{task["id"]}/panel"' in row
    assert 'hx-target="#task-panel"' in row
    assert f'hx-push-url="/my-tasks?task={task["id"]}"' in row
    assert 'form="bulk-form" class="cell-select"' in row
    assert f'data-refresh-url="/my-tasks/rows/{task["id"]}"' in html
    assert '<form id="bulk-form"' in html


def test_filter_syntax_and_done_tab(client, auth, zou_stack):
    """Search words, -word and [a,b]; done tasks move to the Done tab."""
    first = make_asset_task(zou_stack)
    second = make_asset_task(zou_stack, task_type="Shading")
    first_name = first["entity"]["name"].split()[-1]
    second_name = second["entity"]["name"].split()[-1]
    auth.login("artist1")
    html = client.get(f"/my-tasks?search={first_name}").get_data(
        as_text=True)
    assert rows_of(html) == [first["id"]]
    html = client.get(
        f"/my-tasks?search=[{first_name},{second_name}] -shading"
    ).get_data(as_text=True)
    assert rows_of(html) == [first["id"]]
    html = client.get(f"/my-tasks?search={second_name} shading todo "
                      '"task tests"').get_data(as_text=True)
    assert rows_of(html) == [second["id"]]

    ZouAdmin(zou_stack).post(
        f"/actions/tasks/{first['id']}/comment",
        {"task_status_id": zou_stack.task_statuses["done"], "comment": "ok"},
    )
    todo = client.get(f"/my-tasks?search={first_name}").get_data(
        as_text=True)
    assert rows_of(todo) == []
    done = client.get(f"/my-tasks?tab=done&search={first_name}").get_data(
        as_text=True)
    assert rows_of(done) == [first["id"]]
    assert 'aria-current="page">Done' in done


def test_sorting_by_due_date(client, auth, zou_stack):
    """Sort links order rows; the header says which way."""
    early = make_asset_task(zou_stack)
    late = make_asset_task(zou_stack)
    admin = ZouAdmin(zou_stack)
    admin.put(f"/data/tasks/{early['id']}", {"due_date": "2030-01-02"})
    admin.put(f"/data/tasks/{late['id']}", {"due_date": "2030-03-04"})
    auth.login("artist1")
    query = "search=[{},{}]".format(early["entity"]["name"].split()[-1],
                                    late["entity"]["name"].split()[-1])
    html = client.get(f"/my-tasks?{query}&sort=due_date&order=asc").get_data(
        as_text=True)
    assert rows_of(html) == [early["id"], late["id"]]
    assert 'aria-sort="ascending"' in html
    html = client.get(f"/my-tasks?{query}&sort=due_date&order=desc"
                      ).get_data(as_text=True)
    assert rows_of(html) == [late["id"], early["id"]]
    assert "2030-03-04" in html


def test_search_fragment_for_htmx(client, auth, zou_stack):
    """The search form swaps only the table."""
    auth.login("artist1")
    response = client.get("/my-tasks?search=zzznothing", headers=HX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and "No task matches" in html
    assert "HX-Request" in response.headers["Vary"]


def test_task_param_opens_the_panel(client, auth, zou_stack):
    """/my-tasks?task=<tid> renders the list with the panel open."""
    task = make_asset_task(zou_stack)
    auth.login("artist1")
    name = task["entity"]["name"].split()[-1]
    html = client.get(f"/my-tasks?search={name}&task={task['id']}"
                      ).get_data(as_text=True)
    assert '<aside id="task-panel" class="task-panel"' in html
    assert f'data-task-id="{task["id"]}" data-refresh-url=' in html
    assert f'value="{name}"' in html


def test_row_refresh_and_last_comment(client, auth, zou_stack):
    """The row route shows the new status and the last comment."""
    task = make_asset_task(zou_stack)
    auth.login("artist1")
    html = client.get(f"/tasks/{task['id']}/panel", headers=HX).get_data(
        as_text=True)
    client.post(f"/tasks/{task['id']}/comments", headers=HX, data={
        "text": "**Blocking** done, moving on", "csrf_token": csrf_of(html),
        "task_status_id": zou_stack.task_statuses["wip"],
    })
    row = client.get(f"/my-tasks/rows/{task['id']}", headers=HX).get_data(
        as_text=True)
    assert row.startswith("<tr") or row.lstrip().startswith("<tr")
    assert ">wip</span>" in row
    assert "Blocking done, moving on" in row
    assert "**" not in row


def test_count_fragment(client, auth, zou_stack):
    """The count re-fetched after a change follows the tab and search."""
    task = make_asset_task(zou_stack)
    auth.login("artist1")
    name = task["entity"]["name"].split()[-1]
    html = client.get(f"/my-tasks/count?search={name}", headers=HX
                      ).get_data(as_text=True)
    assert ">1 task</span>" in html
    assert 'hx-trigger="task-updated from:body' in html
    done = client.get(f"/my-tasks/count?tab=done&search={name}",
                      headers=HX).get_data(as_text=True)
    assert ">0 tasks</span>" in done
