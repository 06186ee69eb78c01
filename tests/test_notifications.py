"""The notification inbox and the bell."""

import re

import pytest

from tests.live_helpers import make_asset_task, post_comment, zou_call

HX = {"HX-Request": "true"}


@pytest.fixture()
def notified(zou_stack):
    """Two fresh comments notifying artist1 (older first)."""
    task = make_asset_task(zou_stack, "A", assignees=("artist1",))
    first = post_comment(zou_stack, task["id"], text="first note")
    second = post_comment(zou_stack, task["id"], status="wfa",
                          text="second note")
    notes = zou_call(zou_stack, "GET", "/data/user/notifications",
                     who="artist1")
    ids = {n["comment_id"]: n["id"] for n in notes}
    return {"task": task, "first": ids[first["id"]],
            "second": ids[second["id"]]}


def unread_count(zou_stack, who="artist1"):
    """Unread notifications of a person, asked from Zou."""
    return len(zou_call(zou_stack, "GET", "/data/user/notifications",
                        who=who, params={"read": "false"}))


def test_inbox_lists_newest_first_with_unread_marked(
        client, auth, notified):
    """The page shows the notifications newest first, unread ones marked,
    each linking to its task page."""
    auth.login("artist1")
    response = client.get("/notifications")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    first = html.index(f'data-notification-id="{notified["first"]}"')
    second = html.index(f'data-notification-id="{notified["second"]}"')
    assert second < first
    item = re.search(
        r'<li class="notification unread" data-notification-id="'
        + notified["second"] + '"', html)
    assert item, "the new notification is not marked unread"
    assert "second note" in html
    assert (f"/productions/{notified['task']['project_id']}/assets/tasks/"
            f"{notified['task']['id']}") in html
    assert 'id="notif-bell"' in html


def test_inbox_fragment_for_htmx(client, auth, notified):
    """An htmx request gets the list fragment only, with Vary."""
    auth.login("artist1")
    response = client.get("/notifications", headers=HX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="notification-list"')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_bell_shows_the_unread_count(client, auth, zou_stack, notified):
    """The bell fragment carries the unread count and its refresh URL."""
    auth.login("artist1")
    html = client.get("/notifications/bell", headers=HX).get_data(
        as_text=True)
    assert 'id="notif-bell"' in html
    assert 'data-refresh-url="/notifications/bell"' in html
    expected = unread_count(zou_stack)
    shown = re.search(r'<span class="notif-count">([^<]+)</span>', html)
    assert shown and shown.group(1) == (
        str(expected) if expected < 100 else "99+")


def test_layout_bell_loads_its_count_after_the_page(client, auth):
    """Pages carry the bell without a Zou call: it loads itself."""
    auth.login("artist2")
    html = client.get("/open-productions").get_data(as_text=True)
    bell = re.search(r'<a id="notif-bell"[^>]*>', html, re.S).group(0)
    assert 'hx-trigger="load, notifications-changed from:body"' in bell
    assert 'id="live-badge"' in html
    assert "js/live.js" in html and "socket.io-4.8.1.min.js" in html


def test_mark_one_as_read_htmx(client, auth, zou_stack, notified):
    """Marking one read answers the refreshed list and tells the bell."""
    auth.login("artist1")
    response = client.post(
        f"/notifications/{notified['second']}/read",
        data={"read": "1"}, headers={**HX, "X-CSRFToken": auth.csrf},
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "notifications-changed"
    html = response.get_data(as_text=True)
    assert (f'class="notification" data-notification-id='
            f'"{notified["second"]}"') in html
    note = zou_call(zou_stack, "GET",
                    f"/data/user/notifications/{notified['second']}",
                    who="artist1")
    assert note["read"] is True


def test_mark_as_read_without_htmx_redirects(client, auth, notified):
    """Without htmx the form posts and redirects back to the inbox."""
    auth.login("artist1")
    response = client.post(
        f"/notifications/{notified['first']}/read",
        data={"read": "1", "csrf_token": auth.csrf},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications"


def test_mark_all_as_read(client, auth, zou_stack, notified):
    """Mark all as read leaves nothing unread."""
    auth.login("artist1")
    response = client.post("/notifications/read-all",
                           data={"csrf_token": auth.csrf})
    assert response.status_code == 303
    assert unread_count(zou_stack) == 0
    html = client.get("/notifications").get_data(as_text=True)
    assert "All caught up" in html
    assert 'class="notification unread"' not in html


def test_mark_as_read_needs_csrf(client, auth, notified):
    """A POST without the CSRF token is refused."""
    auth.login("artist1")
    response = client.post(f"/notifications/{notified['first']}/read")
    assert response.status_code == 400


def test_notifications_need_login(client):
    """Anonymous visitors go to the login page."""
    response = client.get("/notifications")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/notifications/bell",
                      headers=HX).headers.get("HX-Redirect")


def test_older_notifications_are_reachable(client, auth, zou_stack):
    """Zou answers 100 at a time: a full page links to the older ones,
    which follow without overlap."""
    import re

    auth.login("artist1")
    mine = zou_stack.get("/data/user/notifications", "artist1").json()
    html = client.get("/notifications").get_data(as_text=True)
    first = set(re.findall(r'data-notification-id="([^"]+)"', html))
    if len(mine) < 100:
        assert "Older notifications" not in html
        return
    link = re.search(r'<a href="([^"]+)">Older notifications</a>', html)
    assert link, "a full page must link to older notifications"
    older = client.get(link.group(1).replace("&amp;", "&"))
    assert older.status_code == 200
    second = set(re.findall(r'data-notification-id="([^"]+)"',
                            older.get_data(as_text=True)))
    assert second and not first & second


def test_a_malformed_before_is_ignored(client, auth):
    """A hand-edited ``before`` never reaches Zou as garbage."""
    auth.login("artist1")
    response = client.get("/notifications?before=yesterday%27")
    assert response.status_code == 200
