"""Production lists against the real Zou: filters, paging, cache, roles,
managers' actions. Data the tests change lives in productions they create.
"""

import html
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from markupsafe import escape

from kitsu_web import create_app
from kitsu_web.lists import cache, manage
from tests.conftest import Auth

TIMEOUT = 60
LITERAL_SEQUENCES = [
    "blue rabbit", "SQ-010", "SQ010", "Plan_é", "A&B", "50%", "#3", "C++",
]
BIG_NAME = "Lists scale 600x4"
BIG_TASK_TYPES = ["Layout", "Animation", "Lighting", "Compositing"]


class Zou:
    """Admin calls straight to Zou, for setting up and changing data."""

    def __init__(self, stack):
        self.stack = stack
        self.session = requests.Session()
        self.session.headers.update(stack.headers("admin"))

    def call(self, method, path, **kwargs):
        """One JSON call; fails the test on an error answer."""
        kwargs.setdefault("timeout", TIMEOUT)
        response = self.session.request(method, self.stack.api_url + path,
                                        **kwargs)
        assert response.status_code < 400, (path, response.text[:300])
        return response.json() if response.content else None

    def get(self, path, **kwargs):
        """GET JSON."""
        return self.call("GET", path, **kwargs)

    def post(self, path, body=None):
        """POST JSON."""
        return self.call("POST", path, json=body if body is not None else {})

    def put(self, path, body):
        """PUT JSON."""
        return self.call("PUT", path, json=body)

    def task_type_id(self, name, for_entity="Shot"):
        """A task type of Zou's library, by name."""
        for task_type in self.get("/data/task-types"):
            if task_type["name"] == name and (
                task_type["for_entity"] == for_entity
            ):
                return task_type["id"]
        raise AssertionError(f"no task type {name}")

    def new_production(self, name, task_types, kind="short"):
        """A production with shot task types and the seeded statuses."""
        project = self.post("/data/projects",
                            {"name": name, "production_type": kind})
        pid = project["id"]
        for type_name in task_types:
            self.post(f"/data/projects/{pid}/settings/task-types",
                      {"task_type_id": self.task_type_id(type_name)})
        for status_id in self.stack.task_statuses.values():
            self.post(f"/data/projects/{pid}/settings/task-status",
                      {"task_status_id": status_id})
        return project

    def close(self, project_id):
        """Close a production so it leaves everyone's open lists."""
        statuses = self.get("/data/project-status")
        closed = next(s["id"] for s in statuses if s["name"] == "Closed")
        self.put(f"/data/projects/{project_id}",
                 {"project_status_id": closed})

    def create_tasks(self, project_id, type_name, family="shots"):
        """Tasks of a type for every entity of the family."""
        for_entity = "Shot" if family == "shots" else "Asset"
        type_id = self.task_type_id(type_name, for_entity)
        self.post(f"/actions/projects/{project_id}/task-types/{type_id}/"
                  f"{family}/create-tasks", [])

    def set_status(self, task_id, short_name):
        """Change a task's status with a comment, as Kitsu does."""
        self.post(f"/actions/tasks/{task_id}/comment", {
            "task_status_id": self.stack.task_statuses[short_name],
            "comment": f"Set to {short_name}.",
        })

    def shots(self, project_id):
        """The production's shots with their tasks."""
        return self.get("/data/shots/with-tasks",
                        params={"project_id": project_id})


def task_of(shots, sequence, shot, type_id):
    """The id of a shot's task of a type."""
    for row in shots:
        if row["sequence_name"] == sequence and row["name"] == shot:
            for task in row["tasks"]:
                if task["task_type_id"] == type_id:
                    return task["id"]
    raise AssertionError(f"no task {sequence}/{shot}")


@pytest.fixture(scope="module")
def zou(zou_stack):
    """Admin access to Zou."""
    return Zou(zou_stack)


@pytest.fixture(scope="module")
def literal(zou, zou_stack):
    """A production whose sequences have names full of punctuation.

    "blue rabbit" has three shots, the others two; Layout is WIP on
    blue rabbit/SH010 and on the decoy SQ010/SH010, Animation is WIP on
    blue rabbit/SH020.
    """
    project = zou.new_production(
        f"Lists literal {secrets.token_hex(3)}", ["Layout", "Animation"]
    )
    pid = project["id"]
    zou.post(f"/data/projects/{pid}/settings/asset-types", {
        "asset_type_id": zou_stack.seed["asset_types"]["Prop"]})
    for who in ("manager", "artist1", "client", "vendor"):
        zou.post(f"/data/projects/{pid}/team",
                 {"person_id": zou_stack.users[who]["id"]})
    for name in LITERAL_SEQUENCES:
        sequence = zou.post(f"/data/projects/{pid}/sequences",
                            {"name": name})
        count = 3 if name == "blue rabbit" else 2
        for index in range(1, count + 1):
            zou.post(f"/data/projects/{pid}/shots", {
                "name": f"SH{index * 10:03d}",
                "sequence_id": sequence["id"], "nb_frames": 10 * index})
    zou.create_tasks(pid, "Layout")
    zou.create_tasks(pid, "Animation")
    layout = zou.task_type_id("Layout")
    animation = zou.task_type_id("Animation")
    shots = zou.shots(pid)
    zou.set_status(task_of(shots, "blue rabbit", "SH010", layout), "wip")
    zou.set_status(task_of(shots, "SQ010", "SH010", layout), "wip")
    zou.set_status(task_of(shots, "blue rabbit", "SH020", animation), "wip")
    project["layout_id"] = layout
    project["animation_id"] = animation
    yield project
    zou.close(pid)


def ensure_big_production(zou):
    """The 600 shots × 4 task types production, created once per stack."""
    found = [p for p in zou.get("/data/projects") if p["name"] == BIG_NAME]
    project = found[0] if found else zou.new_production(
        BIG_NAME, BIG_TASK_TYPES
    )
    pid = project["id"]
    sequences = {s["name"]: s["id"]
                 for s in zou.get(f"/data/projects/{pid}/sequences")}
    for index in range(1, 13):
        name = f"SQ{index:02d}"
        if name not in sequences:
            sequences[name] = zou.post(f"/data/projects/{pid}/sequences",
                                       {"name": name})["id"]
    have = {s["name"] for s in zou.get(f"/data/projects/{pid}/shots")}
    missing = [i for i in range(600) if f"SH{i + 1:04d}" not in have]

    def create(index):
        zou.post(f"/data/projects/{pid}/shots", {
            "name": f"SH{index + 1:04d}",
            "sequence_id": sequences[f"SQ{index // 50 + 1:02d}"],
            "nb_frames": 24 + index % 50,
        })

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(create, missing))
    shots = zou.shots(pid)
    for type_name in BIG_TASK_TYPES:
        type_id = zou.task_type_id(type_name)
        if not all(any(t["task_type_id"] == type_id for t in s["tasks"])
                   for s in shots):
            zou.create_tasks(pid, type_name)
    return project


@pytest.fixture(scope="module")
def big(zou):
    """The scale production (read-only for tests)."""
    return ensure_big_production(zou)


# ---------------------------------------------------------------------------
# Helpers on rendered lists
# ---------------------------------------------------------------------------

ROW = re.compile(r'<tr id="row-([^"]+)"[^>]*>(.*?)</tr>', re.S)


def rows_of(body):
    """[(entity id, name, row html)] of a rendered list."""
    result = []
    for entity_id, inner in ROW.findall(body):
        name = re.search(r'class="entity-name">([^<]*)<', inner).group(1)
        result.append((entity_id, html.unescape(name), inner))
    return result


def headings(body):
    """The group headings of a rendered list."""
    return [html.unescape(h)
            for h in re.findall(r'scope="rowgroup">([^<]*)<', body)]


def cell_status(body, task_id):
    """The status short name shown in a task's cell."""
    match = re.search(
        rf'data-task-id="{task_id}">.*?class="status [^"]*"[^>]*>([^<]*)<',
        body, re.S)
    assert match, f"no cell for task {task_id}"
    return match.group(1)


def shots_url(project, **params):
    """A production's shot list URL."""
    return f"/productions/{project['id']}/shots"


def get_list(client, url, search=None, headers=None, **params):
    """GET a list; returns the response (must be 200)."""
    query = dict(params)
    if search is not None:
        query["search"] = search
    response = client.get(url, query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


@pytest.fixture()
def admin(client, auth):
    """A test client logged in as the studio admin."""
    auth.login("admin")
    return client


# ---------------------------------------------------------------------------
# Case 1: literal filters, echoed safely
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("query,sequence", [
    ('"blue rabbit"', "blue rabbit"), ("SQ-010", "SQ-010"),
    ("Plan_é", "Plan_é"), ("A&B", "A&B"), ("50%", "50%"), ("#3", "#3"),
    ("C++", "C++"),
])
def test_filters_match_literally(admin, literal, query, sequence):
    """Punctuation in names is matched as written, nothing else."""
    body = get_list(admin, shots_url(literal), query).get_data(as_text=True)
    assert headings(body) == [sequence]
    expected = 3 if sequence == "blue rabbit" else 2
    assert len(rows_of(body)) == expected
    assert f"<strong>{expected}</strong> shown of <strong>{expected}" in body
    assert f'value="{escape(query)}"' in body


def test_script_in_the_query_is_echoed_escaped(admin, literal):
    """A query with markup comes back escaped in the search box."""
    query = '<script>alert(1)</script> "x'
    body = get_list(admin, shots_url(literal), query).get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt; &#34;x"' in body
    assert rows_of(body) == []


# ---------------------------------------------------------------------------
# Case 2: words and a task status filter together
# ---------------------------------------------------------------------------

def test_sequence_and_layout_status(admin, literal):
    """Only blue rabbit's shots whose Layout task is WIP."""
    body = get_list(admin, shots_url(literal),
                    '"blue rabbit" [Layout]=[wip]').get_data(as_text=True)
    assert [(name) for _, name, _ in rows_of(body)] == ["SH010"]
    assert headings(body) == ["blue rabbit"]
    assert "search-hints" not in body


def test_unknown_syntax_is_a_visible_hint(admin, literal):
    """Never a 500: the page says what it could not read."""
    for query in ("[Layout=wip", "Nope=wip", "layout=zzz", "+(", "=", '"'):
        body = get_list(admin, shots_url(literal), query).get_data(
            as_text=True)
        assert 'class="search-hints"' in body, query


# ---------------------------------------------------------------------------
# Rendering contracts: htmx fragments, JS off, cells, rows, colours
# ---------------------------------------------------------------------------

def test_plain_get_form_filters_without_javascript(admin, literal):
    """The search is a GET form; its answer is a whole page."""
    page = get_list(admin, shots_url(literal)).get_data(as_text=True)
    assert re.search(r'<form class="list-filter" method="get" action="'
                     + re.escape(shots_url(literal)) + '"', page)
    body = get_list(admin, shots_url(literal), "C++").get_data(as_text=True)
    assert body.lstrip().startswith("<!doctype html>")
    assert headings(body) == ["C++"]


def test_htmx_search_returns_the_table_only(admin, literal):
    """Typing swaps #list-table in place; Vary keeps caches apart."""
    response = get_list(admin, shots_url(literal), "SQ-010",
                        headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith('<section id="list-table"')
    assert "data-live-list" in body
    assert "HX-Request" in response.headers.get("Vary", "")
    assert len(rows_of(body)) == 2


def test_cells_follow_the_panel_and_selection_contract(admin, literal):
    """Each status cell: data-task-id, hidden checkbox, panel link."""
    url = shots_url(literal)
    body = get_list(admin, url, "C++", sort="-name").get_data(as_text=True)
    assert '<aside id="task-panel" class="task-panel">' in body
    assert '<div id="bulk-bar" class="bulk-bar">' in body
    cells = re.findall(r'<td class="cell" data-task-id="([^"]+)">(.*?)</td>',
                       body, re.S)
    assert len(cells) == 4  # 2 shots × 2 task types
    for task_id, inner in cells:
        assert (f'<input type="checkbox" name="task_ids" value="{task_id}" '
                'form="bulk-form" class="cell-select"') in inner
        link = re.search(r'<a class="status[^"]*" href="([^"]+)" '
                         r'hx-get="([^"]+)" hx-target="#task-panel" '
                         r'hx-push-url="([^"]+)"', inner)
        assert link, inner
        href = html.unescape(link.group(1))
        assert href.startswith(url + "?")
        assert f"task={task_id}" in href and "search=C%2B%2B" in href
        assert "sort=-name" in href
        assert link.group(2) == f"/tasks/{task_id}/panel"
        assert link.group(3) == link.group(1)


def test_rows_carry_live_update_hooks(admin, literal):
    """Rows have ids and refresh URLs; the row route returns one row."""
    body = get_list(admin, shots_url(literal), "SQ-010").get_data(
        as_text=True)
    assert f'data-project-id="{literal["id"]}"' in body
    match = re.search(r'<tr id="row-([^"]+)" data-entity-id="\1" '
                      r'data-refresh-url="([^"]+)"', body)
    assert match
    entity_id, url = match.group(1), html.unescape(match.group(2))
    row = admin.get(url, headers={"HX-Request": "true"})
    text = row.get_data(as_text=True)
    assert row.status_code == 200
    assert text.strip().startswith(f'<tr id="row-{entity_id}"')
    assert "<html" not in text and "rowgroup" not in text


def test_status_colours_come_from_a_stylesheet(admin, zou_stack):
    """CSP allows no inline styles: colours are CSS classes."""
    response = admin.get("/colors.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    wip = zou_stack.task_statuses["wip"]
    assert re.search(rf"\.st-{wip},\.status-{wip}\{{background:"
                     r"#[0-9a-fA-F]{3,8};"
                     r"color:#[0-9a-f]{6}\}", css)


def test_sorting_keeps_groups(admin, literal):
    """Sorting by name descending reverses shots inside each sequence."""
    body = get_list(admin, shots_url(literal), '"blue rabbit"',
                    sort="-name").get_data(as_text=True)
    assert [n for _, n, _ in rows_of(body)] == ["SH030", "SH020", "SH010"]
    assert 'aria-sort="descending"' in body
    plain = get_list(admin, shots_url(literal)).get_data(as_text=True)
    body = get_list(admin, shots_url(literal), "",
                    sort="-frames").get_data(as_text=True)
    assert headings(body) == headings(plain)
    assert len(headings(body)) >= len(LITERAL_SEQUENCES)
    body = get_list(admin, shots_url(literal), '"blue rabbit"',
                    sort="-frames").get_data(as_text=True)
    assert [n for _, n, _ in rows_of(body)] == ["SH030", "SH020", "SH010"]


def test_sort_by_task_status(admin, literal):
    """A task type column sorts by status short name."""
    body = get_list(admin, shots_url(literal), '"blue rabbit"',
                    sort=f"-tt-{literal['layout_id']}").get_data(as_text=True)
    assert [n for _, n, _ in rows_of(body)][0] == "SH010"  # wip > todo


# ---------------------------------------------------------------------------
# Case 4: big productions are paged
# ---------------------------------------------------------------------------

@pytest.fixture()
def paged(app_settings, zou_stack):
    """A client of an app with 50 rows per page, logged in as admin."""
    app = create_app(**{**app_settings, "page_size": 50})
    client = app.test_client()
    Auth(client, zou_stack).login("admin")
    return client


def test_big_list_is_paged(paged, big):
    """50 rows first; the last page by URL; every page by scrolling."""
    url = shots_url(big)
    started = time.monotonic()
    first = get_list(paged, url).get_data(as_text=True)
    assert time.monotonic() - started < 10
    rows = rows_of(first)
    assert len(rows) == 50
    assert "<strong>50</strong> shown of <strong>600</strong>" in first
    assert "Page 1 of 12" in first
    last = get_list(paged, url, page=12).get_data(as_text=True)
    names = [n for _, n, _ in rows_of(last)]
    assert names[0] == "SH0551" and names[-1] == "SH0600"
    assert 'rel="next"' not in last
    # Scrolling: each sentinel asks for the next page as a fragment.
    seen = [entity_id for entity_id, _, _ in rows]
    more = re.search(r'class="more-row" id="more-2" hx-get="([^"]+)"', first)
    pages = 1
    while more:
        fragment = paged.get(html.unescape(more.group(1)),
                             headers={"HX-Request": "true"})
        text = fragment.get_data(as_text=True)
        assert "<html" not in text
        seen += [entity_id for entity_id, _, _ in rows_of(text)]
        pages += 1
        more = re.search(r'class="more-row" id="more-\d+" hx-get="([^"]+)"',
                         text)
        assert f"<strong>{len(seen)}</strong> shown of" in text
    assert pages == 12
    assert len(seen) == len(set(seen)) == 600


def test_filter_finds_rows_of_the_last_page(paged, big):
    """Filtering runs on the whole list, not on the first page."""
    body = get_list(paged, shots_url(big), "SH0599").get_data(as_text=True)
    assert [n for _, n, _ in rows_of(body)] == ["SH0599"]
    body = get_list(paged, shots_url(big), "SQ12").get_data(as_text=True)
    assert len(rows_of(body)) == 50
    assert "<strong>50</strong> shown of <strong>50</strong> matched" in body


# ---------------------------------------------------------------------------
# Case 5: the cache never serves stale data
# ---------------------------------------------------------------------------

def _snapshot(project_id, family="shot"):
    """The cached studio copy of a production's list."""
    for key, snapshot in cache._cache.snapshots.items():
        if key[0] == family and key[1] == project_id and key[3] == "studio":
            return snapshot
    return None


def test_status_changed_in_zou_shows_on_next_load(admin, literal, zou):
    """ETag revalidation: unchanged → same copy; changed → fresh rows."""
    url = shots_url(literal)
    shots = zou.shots(literal["id"])
    task_id = task_of(shots, "C++", "SH020", literal["layout_id"])
    body = get_list(admin, url, "C++").get_data(as_text=True)
    assert cell_status(body, task_id) == "todo"
    kept = _snapshot(literal["id"])
    get_list(admin, url, "C++")
    assert _snapshot(literal["id"]) is kept  # 304: nothing changed
    zou.set_status(task_id, "wfa")
    body = get_list(admin, url, "C++").get_data(as_text=True)
    assert cell_status(body, task_id) == "wfa"
    assert _snapshot(literal["id"]) is not kept


def test_row_route_is_fresh_after_invalidate(admin, literal, zou):
    """After the event's invalidate(), the row shows the new status."""
    shots = zou.shots(literal["id"])
    task_id = task_of(shots, "C++", "SH010", literal["layout_id"])
    shot_id = next(s["id"] for s in shots
                   if s["sequence_name"] == "C++" and s["name"] == "SH010")
    row_url = f"/productions/{literal['id']}/shots/rows/{shot_id}"
    assert cell_status(admin.get(row_url).get_data(as_text=True),
                       task_id) == "todo"
    zou.set_status(task_id, "retake")
    cache.invalidate(literal["id"])
    assert _snapshot(literal["id"]) is None
    assert cell_status(admin.get(row_url).get_data(as_text=True),
                       task_id) == "retake"


# ---------------------------------------------------------------------------
# TV shows: episodes in the URL, never in the session
# ---------------------------------------------------------------------------

def test_tv_show_lists_live_under_their_episode(admin, zou_stack):
    """/shots goes to the first episode; episodes never mix."""
    tv = zou_stack.projects["tv"]
    e01, e02 = (e["id"] for e in tv["episodes"])
    response = admin.get(f"/productions/{tv['id']}/shots?search=SH010")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/productions/{tv['id']}/episodes/{e01}/shots?search=SH010")
    one = get_list(admin, f"/productions/{tv['id']}/episodes/{e01}/shots")
    two = get_list(admin, f"/productions/{tv['id']}/episodes/{e02}/shots")
    again = get_list(admin, f"/productions/{tv['id']}/episodes/{e01}/shots")
    ids_one = {i for i, _, _ in rows_of(one.get_data(as_text=True))}
    ids_two = {i for i, _, _ in rows_of(two.get_data(as_text=True))}
    assert ids_one and ids_two and not ids_one & ids_two
    assert {i for i, _, _ in rows_of(again.get_data(as_text=True))} == (
        ids_one)
    everything = get_list(
        admin, f"/productions/{tv['id']}/episodes/all/shots"
    ).get_data(as_text=True)
    assert {i for i, _, _ in rows_of(everything)} == ids_one | ids_two
    assert "E01 / SQ010" in headings(everything)


def test_tv_show_assets_all_and_main_pack(admin, zou_stack):
    """Assets open on all episodes; the main pack is a choice."""
    tv = zou_stack.projects["tv"]
    response = admin.get(f"/productions/{tv['id']}/assets")
    assert response.headers["Location"].endswith("/episodes/all/assets")
    for episode in ("all", "main"):
        body = get_list(
            admin, f"/productions/{tv['id']}/episodes/{episode}/assets"
        ).get_data(as_text=True)
        assert "Captain Moss" in body
    episodes = get_list(admin, f"/productions/{tv['id']}/episodes")
    names = [n for _, n, _ in rows_of(episodes.get_data(as_text=True))]
    assert names == ["E01", "E02"]


def test_short_has_no_episode_urls(admin, zou_stack):
    """A short redirects episode URLs to its plain lists."""
    short = zou_stack.projects["short"]
    response = admin.get(f"/productions/{short['id']}/episodes/all/shots")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/productions/{short['id']}/shots")


def test_asset_list_groups_by_type(admin, zou_stack):
    """Assets are grouped by asset type; type= filters them."""
    short = zou_stack.projects["short"]
    url = f"/productions/{short['id']}/assets"
    body = get_list(admin, url).get_data(as_text=True)
    assert headings(body) == ["Character", "Environment", "FX", "Prop"]
    body = get_list(admin, url, "type=Prop").get_data(as_text=True)
    assert sorted(n for _, n, _ in rows_of(body)) == [
        "Bicycle", "Kite", "Lantern"]
    sequences = get_list(admin, f"/productions/{short['id']}/sequences")
    assert [n for _, n, _ in rows_of(sequences.get_data(as_text=True))] == [
        "SQ010", "SQ020"]


# ---------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------

def test_clients_see_less(client, auth, zou_stack):
    """No sequences list, no managers' tools, no assignees."""
    auth.login("client")
    short = zou_stack.projects["short"]
    assert client.get(
        f"/productions/{short['id']}/sequences").status_code == 404
    body = get_list(client, f"/productions/{short['id']}/shots").get_data(
        as_text=True)
    assert len(rows_of(body)) == 20
    assert 'class="av ' not in body
    assert "Create tasks" not in body and "+ New shot" not in body


def test_vendors_see_their_assignments_only(client, auth, zou_stack):
    """Zou scopes a vendor's list; the cache keeps it to them."""
    auth.login("vendor")
    short = zou_stack.projects["short"]
    body = get_list(client, f"/productions/{short['id']}/shots").get_data(
        as_text=True)
    assert sorted(n for _, n, _ in rows_of(body)) == [
        "SH010", "SH020", "SH030"]
    assert headings(body) == ["SQ020"]


@pytest.mark.parametrize("who", ["artist1", "supervisor"])
def test_only_managers_get_the_tools(client, auth, zou_stack, who):
    """Artists and supervisors read the list; no create or edit."""
    auth.login(who)
    short = zou_stack.projects["short"]
    body = get_list(client, f"/productions/{short['id']}/shots").get_data(
        as_text=True)
    assert len(rows_of(body)) == 20
    assert "+ New shot" not in body and "edit-link" not in body
    shot_id = rows_of(body)[0][0]
    assert client.get(f"/productions/{short['id']}/shots/{shot_id}/edit"
                      ).status_code == 404
    response = client.post(f"/productions/{short['id']}/shots/new",
                           data={"csrf_token": auth.csrf, "name": "X"})
    assert response.status_code == 404


# ---------------------------------------------------------------------------
# Managers: create, rename, delete, create tasks in batches
# ---------------------------------------------------------------------------

def test_manager_creates_renames_and_deletes(client, auth, literal):
    """The whole life of a shot and an asset through the list forms."""
    auth.login("manager")
    pid = literal["id"]
    url = shots_url(literal)
    seq_name = f"Created {secrets.token_hex(2)}"
    response = client.post(f"/productions/{pid}/shots/new", data={
        "csrf_token": auth.csrf, "name": "SH100", "new_sequence": seq_name,
        "nb_frames": "42", "next": url})
    assert response.status_code == 303 and response.location.endswith(url)
    body = get_list(client, url, f'"{seq_name}"').get_data(as_text=True)
    (shot_id, name, inner), = rows_of(body)
    assert name == "SH100" and ">42<" in inner
    assert "Shot “SH100” created." in body
    response = client.post(f"/productions/{pid}/shots/{shot_id}/edit", data={
        "csrf_token": auth.csrf, "name": "SH100B", "description": "Wide",
        "next": url})
    assert response.status_code == 303
    body = get_list(client, url, f'"{seq_name}"').get_data(as_text=True)
    assert [n for _, n, _ in rows_of(body)] == ["SH100B"]
    assert "Wide" in body
    response = client.post(f"/productions/{pid}/shots/{shot_id}/delete",
                           data={"csrf_token": auth.csrf, "next": url})
    assert response.status_code == 303
    body = get_list(client, url, f'"{seq_name}"').get_data(as_text=True)
    assert not rows_of(body)  # no tasks: deleted at once
    asset_types = client.application.config  # noqa: F841
    form = get_list(client, f"/productions/{pid}/assets").get_data(
        as_text=True)
    asset_type_id = re.search(r'name="asset_type_id" required>\s*'
                              r'<option value="([^"]+)"', form).group(1)
    response = client.post(f"/productions/{pid}/assets/new", data={
        "csrf_token": auth.csrf, "name": "Paper & Glue",
        "asset_type_id": asset_type_id})
    assert response.status_code == 303
    body = get_list(client, f"/productions/{pid}/assets", "Glue").get_data(
        as_text=True)
    assert [n for _, n, _ in rows_of(body)] == ["Paper & Glue"]


def test_first_delete_of_a_shot_with_tasks_cancels_it(client, auth, literal,
                                                       zou):
    """Kitsu's rule: canceled (struck through), then deleted for good."""
    auth.login("manager")
    pid = literal["id"]
    sequence = zou.post(f"/data/projects/{pid}/sequences",
                        {"name": f"Doomed {secrets.token_hex(2)}"})
    shot = zou.post(f"/data/projects/{pid}/shots",
                    {"name": "SH001", "sequence_id": sequence["id"]})
    zou.post(f"/actions/projects/{pid}/task-types/{literal['layout_id']}/"
             "shots/create-tasks", [shot["id"]])
    url = shots_url(literal)
    query = f'"{sequence["name"]}"'
    client.post(f"/productions/{pid}/shots/{shot['id']}/delete",
                data={"csrf_token": auth.csrf, "next": url})
    body = get_list(client, url, query).get_data(as_text=True)
    assert re.search(rf'<tr id="row-{shot["id"]}"[^>]* class="canceled"',
                     body)
    client.post(f"/productions/{pid}/shots/{shot['id']}/restore",
                data={"csrf_token": auth.csrf, "next": url})
    assert 'class="canceled"' not in get_list(client, url, query).get_data(
        as_text=True)
    client.post(f"/productions/{pid}/shots/{shot['id']}/delete",
                data={"csrf_token": auth.csrf, "next": url})
    client.post(f"/productions/{pid}/shots/{shot['id']}/delete",
                data={"csrf_token": auth.csrf, "next": url, "force": "true"})
    assert not rows_of(get_list(client, url, query).get_data(as_text=True))


def test_create_tasks_runs_in_batches(client, auth, literal, zou,
                                      monkeypatch):
    """Many entities: one short request per batch, progress in between."""
    monkeypatch.setattr(manage, "BATCH_SIZE", 4)
    auth.login("manager")
    pid = literal["id"]
    lighting = zou.task_type_id("Lighting")
    zou.post(f"/data/projects/{pid}/settings/task-types",
             {"task_type_id": lighting})
    url = shots_url(literal)
    response = client.post(
        f"/productions/{pid}/shots/create-tasks",
        data={"csrf_token": auth.csrf, "task_type_id": lighting,
              "scope": "all", "next": url},
        headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<progress" in body
    batches = 1
    while True:
        continue_url = re.search(r'hx-post="([^"]+)" hx-trigger="load"',
                                 body)
        assert continue_url, body
        response = client.post(continue_url.group(1), headers={
            "HX-Request": "true", "X-CSRFToken": auth.csrf})
        batches += 1
        if response.headers.get("HX-Redirect"):
            assert response.headers["HX-Redirect"] == url
            break
        body = response.get_data(as_text=True)
        assert batches < 20
    assert batches >= 4
    shots = zou.shots(pid)
    assert all(any(t["task_type_id"] == lighting for t in s["tasks"])
               for s in shots)
    page = get_list(client, url).get_data(as_text=True)
    assert "tasks created." in page
    assert f"tt-{lighting}" in page


def test_task_in_the_url_opens_the_panel(admin, literal, zou):
    """?task= renders the task panel beside the list (reload, links)."""
    shots = zou.shots(literal["id"])
    task_id = task_of(shots, "#3", "SH010", literal["layout_id"])
    body = get_list(admin, shots_url(literal), "#3",
                    task=task_id).get_data(as_text=True)
    aside = body.split('<aside id="task-panel" class="task-panel">')[1]
    aside = aside.split("</aside>")[0]
    assert task_id in aside
    assert len(rows_of(body)) == 2
    body = get_list(admin, shots_url(literal),
                    task="00000000-0000-0000-0000-000000000000").get_data(
                        as_text=True)
    assert len(rows_of(body)) > 2


def test_metadata_columns_filter(admin, literal, zou):
    """A production's metadata column filters by its values."""
    pid = literal["id"]
    name = f"Mood {secrets.token_hex(2)}"
    descriptor = zou.post(f"/data/projects/{pid}/metadata-descriptors", {
        "entity_type": "Shot", "name": name, "data_type": "string",
        "choices": []})
    shots = [s for s in zou.shots(pid) if s["sequence_name"] == "50%"]
    zou.put(f"/data/entities/{shots[0]['id']}",
            {"data": {descriptor["field_name"]: "Gloomy dusk"}})
    body = get_list(admin, shots_url(literal),
                    f"[{name}]=gloomy").get_data(as_text=True)
    assert [i for i, _, _ in rows_of(body)] == [shots[0]["id"]]
    assert "search-hints" not in body
    body = get_list(admin, shots_url(literal),
                    f'"50%" [{name}]=[]').get_data(as_text=True)
    assert [i for i, _, _ in rows_of(body)] == [shots[1]["id"]]


def test_create_tasks_without_javascript(client, auth, literal, zou):
    """Plain forms: a progress page with Continue, then back to the list."""
    auth.login("manager")
    pid = literal["id"]
    fx = zou.task_type_id("FX")
    zou.post(f"/data/projects/{pid}/settings/task-types",
             {"task_type_id": fx})
    url = shots_url(literal)
    response = client.post(f"/productions/{pid}/shots/create-tasks", data={
        "csrf_token": auth.csrf, "task_type_id": fx, "scope": "matched",
        "search": "C++", "next": url})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<!doctype html>" in body
    action = re.search(r'<form method="post" action="([^"]+/task-jobs/[^"]+)"',
                       body)
    assert "<noscript><button" in body and action
    response = client.post(action.group(1), data={"csrf_token": auth.csrf})
    assert response.status_code == 303 and response.location.endswith(url)
    with_fx = [s["sequence_name"] for s in zou.shots(pid)
               if any(t["task_type_id"] == fx for t in s["tasks"])]
    assert with_fx == ["C++", "C++"]


def test_cached_lists_never_cross_role_classes(app, zou_stack):
    """Studio, client and vendor copies of one list stay apart."""
    short = zou_stack.projects["short"]
    url = f"/productions/{short['id']}/shots"
    seen = {}
    for who in ("admin", "vendor", "client", "supervisor"):
        client = app.test_client()
        Auth(client, zou_stack).login(who)
        body = get_list(client, url).get_data(as_text=True)
        seen[who] = (len(rows_of(body)), 'class="av ' in body)
    assert seen == {"admin": (20, True), "vendor": (3, True),
                    "client": (20, False), "supervisor": (20, True)}
    classes = {key[3] for key in cache._cache.snapshots
               if key[:2] == ("shot", short["id"])}
    vendor_id = zou_stack.users["vendor"]["id"]
    assert {"studio", "client", f"vendor:{vendor_id}"} <= classes


def test_tv_sequences_are_grouped_by_episode(admin, zou_stack):
    """All episodes' sequences under their episode's heading."""
    tv = zou_stack.projects["tv"]
    body = get_list(admin, f"/productions/{tv['id']}/episodes/all/sequences"
                    ).get_data(as_text=True)
    assert headings(body) == ["E01", "E02"]
    assert [n for _, n, _ in rows_of(body)] == ["SQ010", "SQ010"]
    body = get_list(admin, f"/productions/{tv['id']}/episodes/all/sequences",
                    "E02").get_data(as_text=True)
    assert headings(body) == ["E02"]
