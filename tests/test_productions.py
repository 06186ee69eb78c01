"""Each seeded login works and sees the productions its role should."""

import pytest


@pytest.mark.parametrize("who", [
    "admin", "manager", "supervisor", "artist1", "artist2", "client",
    "vendor",
])
def test_my_productions_follow_team_membership(client, auth, zou_stack, who):
    """My Productions lists exactly the open productions of the user's
    teams (admins: all)."""
    user = zou_stack.users[who]
    projects = zou_stack.get("/data/projects/open").json()
    auth.login(who)
    response = client.get("/open-productions")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for project in projects:
        visible = who == "admin" or user["id"] in project["team"]
        assert (project["name"] in html) == visible, project["name"]


def test_artist2_is_not_shown_the_production_outside_their_teams(
        client, auth, zou_stack):
    """The seeded artist outside "other" does not see it."""
    auth.login("artist2")
    html = client.get("/open-productions").get_data(as_text=True)
    assert zou_stack.projects["short"]["name"] in html
    assert zou_stack.projects["other"]["name"] not in html


def test_login_page_then_productions_are_not_cached(client, auth):
    """Authenticated pages are sent with no-store and vary on htmx."""
    auth.login("supervisor")
    response = client.get("/open-productions")
    assert response.headers["Cache-Control"] == "no-store"
    assert "HX-Request" in response.headers["Vary"]


def test_anonymous_visit_goes_to_login_with_next(client):
    """A page asked without a session sends the user to the login page."""
    response = client.get("/open-productions")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/open-productions"


def test_favicon_ico_points_at_the_icon(client):
    """Browsers asking for /favicon.ico get the icon, not a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 308)
    assert response.headers["Location"].endswith("/static/img/favicon.svg")


def test_one_stylesheet_gives_zou_colours(client, auth, zou_stack):
    """Status and task type colours come from one generated stylesheet:
    the CSP allows no inline styles."""
    import re

    auth.login("artist1")
    response = client.get("/colors.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    wip = zou_stack.task_statuses["wip"]
    assert re.search(rf"\.st-{wip},\.status-{wip}\{{background:#[0-9a-fA-F]"
                     r"{3,8};color:#[0-9a-f]{6}\}", css)
    layout = zou_stack.task_types["Layout"]
    assert f".tt-dot-{layout}{{background:" in css


def test_colour_values_from_zou_are_never_raw_css():
    """Anything but a hex colour falls back to grey."""
    from kitsu_web.colors import stylesheet_lines

    lines = stylesheet_lines({"task_status": [
        {"id": "x", "color": "red;}body{display:none"}]})
    assert lines == [".st-x,.status-x{background:#999999;color:#ffffff}"]
