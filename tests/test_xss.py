"""Hostile text from Zou and from the search box, rendered everywhere.

A production of its own holds names, descriptions, a comment (with a
mention, so it is also a notification) and an attachment whose name try
to break out of the HTML: every page and fragment must show them as text,
links must stay links of this site, and no such name may break a page.
The search box gets random and broken queries: never a 500, the query
echoed escaped, a hint for what cannot be read.
"""

import html as html_lib
import io
import random
import re

import pytest

from tests.conftest import Auth
from tests.task_helpers import HX, ZouAdmin, unique

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
LINKS = '[a](javascript:alert(3)) <a href="javascript:alert(4)">b</a>'
# A name whose parts Python calls digits but int() refuses ("²").
ODD_DIGITS = "Plan2²"
RAW = [
    re.compile(r"<script>alert", re.I),
    re.compile(r"<img src=x", re.I),
    re.compile(r"""<[a-z][^<>]*\s(?:href|src|action)\s*=\s*["']?\s*"""
               r"javascript:", re.I),
]


def assert_inert(text, where):
    """No hostile markup came through unescaped."""
    for pattern in RAW:
        match = pattern.search(text)
        assert match is None, (
            f"{where}: {text[max(0, match.start() - 120):match.end() + 60]}"
        )


@pytest.fixture(scope="module")
def hostile(zou_stack):
    """A TV show whose every name is hostile; closed at the end."""
    admin = ZouAdmin(zou_stack)
    project = admin.post("/data/projects", {
        "name": unique("XSS " + PAYLOAD), "production_type": "tvshow",
    })
    pid = project["id"]
    base = f"/data/projects/{pid}"
    for type_id in zou_stack.task_types.values():
        admin.post(f"{base}/settings/task-types", {"task_type_id": type_id})
    for status_id in zou_stack.task_statuses.values():
        admin.post(f"{base}/settings/task-status",
                   {"task_status_id": status_id})
    prop = zou_stack.seed["asset_types"]["Prop"]
    admin.post(f"{base}/settings/asset-types", {"asset_type_id": prop})
    for who in ("supervisor", "artist1", "client"):
        admin.post(f"{base}/team", {"person_id": zou_stack.users[who]["id"]})
    episode = admin.post(f"{base}/episodes", {"name": "EP" + PAYLOAD})
    sequence = admin.post(f"{base}/sequences", {
        "name": "SQ" + PAYLOAD, "episode_id": episode["id"],
    })
    shot = admin.post(f"{base}/shots", {
        "name": "SH" + PAYLOAD, "sequence_id": sequence["id"],
        "description": "D" + PAYLOAD + " " + LINKS,
    })
    asset = admin.post(f"{base}/asset-types/{prop}/assets/new", {
        "name": "AS" + PAYLOAD, "description": LINKS + PAYLOAD,
    })
    odd = admin.post(f"{base}/asset-types/{prop}/assets/new", {
        "name": ODD_DIGITS, "description": "",
    })
    modeling = zou_stack.task_types["Modeling"]
    tasks = admin.post(
        f"/actions/projects/{pid}/task-types/{modeling}/assets/create-tasks",
        [asset["id"], odd["id"]],
    )
    task = next(t for t in tasks if t["entity_id"] == asset["id"])
    layout = zou_stack.task_types["Layout"]
    admin.post(
        f"/actions/projects/{pid}/task-types/{layout}/shots/create-tasks",
        [shot["id"]],
    )
    admin.put(f"/actions/persons/{zou_stack.users['artist1']['id']}/assign",
              {"task_ids": [task["id"]]})
    answer = ZouAdmin(zou_stack, "supervisor").call(
        "POST", f"/actions/tasks/{task['id']}/comment",
        data={
            "task_status_id": zou_stack.task_statuses["wip"],
            "comment": f"@Alex Artist {PAYLOAD} {LINKS} `{PAYLOAD}`",
        },
        files={"file": ("../../../../../x" + PAYLOAD + ".txt",
                        io.BytesIO(b"hello"), "text/plain")},
    )
    yield {"project": project, "episode": episode, "task": task,
           "asset": asset, "odd": odd, "comment": answer}
    closed = next(s for s in admin.get("/data/project-status")
                  if s["name"].lower() == "closed")
    admin.put(f"/data/projects/{pid}", {"project_status_id": closed["id"]})


def pages(hostile):
    """Every page and fragment that shows the hostile names."""
    pid = hostile["project"]["id"]
    eid = hostile["episode"]["id"]
    tid = hostile["task"]["id"]
    aid = hostile["asset"]["id"]
    return [
        f"/productions/{pid}/episodes/all/assets",
        f"/productions/{pid}/episodes/all/assets?sort=-name",
        f"/productions/{pid}/episodes/{eid}/shots",
        f"/productions/{pid}/episodes/all/shots?sort=description",
        f"/productions/{pid}/sequences",
        f"/productions/{pid}/episodes",
        f"/productions/{pid}/episodes/all/assets/rows/{aid}",
        f"/productions/{pid}/episodes/all/assets?task={tid}",
        f"/tasks/{tid}/panel",
        f"/productions/{pid}/episodes/main/assets/tasks/{tid}",
        "/my-tasks",
        f"/my-tasks?task={tid}",
        "/notifications",
    ]


@pytest.mark.parametrize("who", ["artist1", "supervisor", "client"])
def test_hostile_names_render_as_text_everywhere(app, zou_stack, hostile,
                                                 who):
    """Lists, rows, panel, task page, My Tasks, notifications and the
    selectors show hostile names escaped, for each role that sees them."""
    client = app.test_client()
    Auth(client, zou_stack).login(who)
    shown = 0
    for path in pages(hostile):
        for headers in ({}, HX):
            response = client.get(path, headers=headers,
                                  follow_redirects=True)
            text = response.get_data(as_text=True)
            assert response.status_code in (200, 404), (path, headers)
            assert_inert(text, f"{who} {path} {headers}")
            shown += "&lt;script&gt;alert(1)" in text
    assert shown >= 8, "the hostile names were not rendered at all"


def test_a_name_with_odd_digits_does_not_break_the_list(app, zou_stack,
                                                        hostile):
    """Sorting names naturally reads "2²" without failing the page."""
    client = app.test_client()
    Auth(client, zou_stack).login("supervisor")
    pid = hostile["project"]["id"]
    response = client.get(f"/productions/{pid}/episodes/all/assets")
    assert response.status_code == 200
    assert ODD_DIGITS in response.get_data(as_text=True)


def test_attachment_links_stay_on_their_own_route(app, zou_stack, hostile):
    """An attachment named ``../../x`` links to its own file route: the
    name cannot walk the link to another address of the site."""
    client = app.test_client()
    Auth(client, zou_stack).login("artist1")
    text = client.get(f"/tasks/{hostile['task']['id']}/panel").get_data(
        as_text=True)
    attachment = hostile["comment"]["attachment_files"][0]
    prefix = f"/api/data/attachment-files/{attachment['id']}/file/"
    links = [html_lib.unescape(href) for href in re.findall(
        r'href="(' + re.escape(prefix) + r'[^"]*)"', text)]
    assert links, "the attachment has no link"
    for link in links:
        name = link[len(prefix):].split("?", 1)[0]
        assert "/" not in name and name not in (".", ".."), link
    assert "x&lt;script&gt;alert(1)" in text  # its name shown as text


BROKEN = ["[[", "]=", "+(", '"', "[Layout]=", "=wip", "a=[", "+( a",
          '"blue', "priority-Layout=①", "[Layout]=[wip"]
PIECES = ["[[", "]=", "+(", ")", '"', "[", "]", "=", "-", ",", "%00",
          "\x00", "é", "²", "🦊", "\u202e", "Layout", "wip", "status",
          "assignedto", "priority-Layout", "withthumbnail", "<b>",
          PAYLOAD, "&amp;", "%", "#", "+", " "]


def random_queries(count, seed=1204):
    """``count`` queries from a fixed seed."""
    rng = random.Random(seed)
    return [
        "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 8)))
        for _ in range(count)
    ]


def test_search_box_never_fails_and_echoes_escaped(app, zou_stack, hostile):
    """Broken, random and 5,000-character queries over HTTP: never a 500,
    the query echoed escaped in the box, a hint for broken syntax."""
    client = app.test_client()
    Auth(client, zou_stack).login("supervisor")
    pid = hostile["project"]["id"]
    url = f"/productions/{pid}/episodes/all/shots"
    queries = BROKEN + random_queries(40) + ["x" * 5000, PAYLOAD * 60]
    for query in queries:
        for headers in ({}, HX):
            response = client.get(url, query_string={"search": query},
                                  headers=headers)
            text = response.get_data(as_text=True)
            assert response.status_code == 200, repr(query)
            assert_inert(text, repr(query))
            if headers:
                continue
            box = re.search(r'id="list-search-input" name="search" '
                            r'value="([^"]*)"', text)
            assert box, repr(query)
            shown = html_lib.unescape(box.group(1))
            expected = query.replace("\x00", "")[:500]
            assert shown == expected or shown == query[:500], repr(query)
    for query in BROKEN:
        text = client.get(url, query_string={"search": query},
                          headers=HX).get_data(as_text=True)
        assert 'class="search-hints"' in text, repr(query)


def test_my_tasks_search_never_fails(app, zou_stack, hostile):
    """My Tasks takes the same queries: never a 500, nothing unescaped."""
    client = app.test_client()
    Auth(client, zou_stack).login("artist1")
    for query in BROKEN + random_queries(20, seed=7) + [PAYLOAD]:
        response = client.get("/my-tasks", query_string={"search": query},
                              headers=HX)
        assert response.status_code == 200, repr(query)
        assert_inert(response.get_data(as_text=True), repr(query))
