"""The shell: selectors, sidebar, home, theme, My Productions."""

import html
import re

import pytest


def options(body, select_id):
    """(label, url, selected) of a top bar selector."""
    match = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', body,
                      re.S)
    if not match:
        return None
    return [
        (html.unescape(label), html.unescape(url), bool(selected))
        for url, selected, label in re.findall(
            r'<option value="([^"]+)"( selected)?>([^<]*)</option>',
            match.group(1))
    ]


def sidebar_links(body):
    """(label, href) of the sidebar."""
    nav = re.search(r'<nav class="sidebar".*?</nav>', body, re.S).group(0)
    return [(label, href) for href, label in
            re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)]


def page(client, url):
    """A page's HTML (following redirects)."""
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_production_selector_lists_open_productions(client, auth,
                                                    zou_stack):
    """Each production of the user's teams, the current one selected."""
    auth.login("artist2")
    short, other = zou_stack.projects["short"], zou_stack.projects["other"]
    body = page(client, f"/productions/{short['id']}/shots")
    choices = options(body, "select-production")
    names = [label for label, _, _ in choices]
    assert "Paper Lanterns" in names and "Harbour Tales" in names
    assert other["name"] not in names  # artist2 is not in its team
    assert [label for label, _, sel in choices if sel] == ["Paper Lanterns"]
    tv_url = next(url for label, url, _ in choices
                  if label == "Harbour Tales")
    assert tv_url == f"/productions/{zou_stack.projects['tv']['id']}/shots"


def test_switching_production_keeps_the_section(client, auth, zou_stack):
    """From the assets of one production to the assets of the other."""
    auth.login("admin")
    short, other = zou_stack.projects["short"], zou_stack.projects["other"]
    body = page(client, f"/productions/{short['id']}/assets")
    urls = {label: url for label, url, _ in options(body,
                                                    "select-production")}
    assert urls[other["name"]] == f"/productions/{other['id']}/assets"


def test_section_selector_per_production_type(client, auth, zou_stack):
    """Episodes only for TV shows; the current section selected."""
    auth.login("admin")
    short, tv = zou_stack.projects["short"], zou_stack.projects["tv"]
    body = page(client, f"/productions/{short['id']}/shots")
    sections = options(body, "select-section")
    assert [s[0] for s in sections][:3] == ["Assets", "Shots", "Sequences"]
    assert "Episodes" not in [s[0] for s in sections]
    assert [s[0] for s in sections if s[2]] == ["Shots"]
    assert options(body, "select-episode") is None
    body = page(client, f"/productions/{tv['id']}/shots")
    labels = [s[0] for s in options(body, "select-section")]
    assert labels[:4] == ["Assets", "Shots", "Sequences", "Episodes"]


def test_episode_selector(client, auth, zou_stack):
    """All episodes, Main pack (assets), then each episode."""
    auth.login("admin")
    tv = zou_stack.projects["tv"]
    e01, e02 = tv["episodes"]
    body = page(client, f"/productions/{tv['id']}/shots")
    episodes = options(body, "select-episode")
    assert [e[0] for e in episodes] == ["All episodes", "E01", "E02"]
    assert [e[0] for e in episodes if e[2]] == ["E01"]
    assert episodes[2][1] == (
        f"/productions/{tv['id']}/episodes/{e02['id']}/shots")
    sections = {s[0]: s[1] for s in options(body, "select-section")}
    assert sections["Assets"] == (
        f"/productions/{tv['id']}/episodes/{e01['id']}/assets")
    assert sections["Episodes"] == f"/productions/{tv['id']}/episodes"
    body = page(client, f"/productions/{tv['id']}/assets")
    assert [e[0] for e in options(body, "select-episode")][:3] == [
        "All episodes", "Main pack", "E01"]


@pytest.mark.parametrize("who,expected", [
    ("client", ["Assets", "Shots"]),
    ("vendor", ["Assets", "Shots", "Sequences"]),
    ("artist1", ["Assets", "Shots", "Sequences"]),
])
def test_sections_follow_the_role(client, auth, zou_stack, who, expected):
    """Clients and vendors see fewer sections (kitsu-ui §1)."""
    auth.login(who)
    short = zou_stack.projects["short"]
    body = page(client, f"/productions/{short['id']}/assets")
    labels = [s[0] for s in options(body, "select-section")]
    assert labels[:len(expected)] == expected
    if who == "client":
        assert "Sequences" not in labels and "Episodes" not in labels


@pytest.mark.parametrize("who", ["admin", "manager", "supervisor",
                                 "artist1", "client", "vendor"])
def test_sidebar_links_only_to_pages_that_exist(client, auth, who):
    """Every sidebar link answers 200 for that user; roles trim groups."""
    auth.login(who)
    body = page(client, "/open-productions")
    links = sidebar_links(body)
    assert ("My Productions", "/open-productions") in links
    labels = [label for label, _ in links]
    if who == "client":
        assert "My Tasks" not in labels and "Studio" not in body.split(
            '<nav class="sidebar"')[1].split("</nav>")[0]
    for _, href in links:
        assert client.get(href).status_code == 200, href


def test_home_sends_each_role_to_its_page(client, auth, app):
    """Artists and vendors to My Tasks (when it exists), others to
    My Productions."""
    auth.login("artist1")
    target = ("/my-tasks" if "tasks.my_tasks" in app.view_functions
              else "/open-productions")
    assert client.get("/").headers["Location"].endswith(target)
    auth.logout()
    auth.login("manager")
    assert client.get("/").headers["Location"].endswith("/open-productions")


def test_theme_is_remembered(client, auth, zou_stack):
    """The user menu switches to dark and the choice sticks."""
    auth.login("admin")
    short = zou_stack.projects["short"]
    url = f"/productions/{short['id']}/shots"
    body = page(client, url)
    assert 'data-theme="light"' in body and ">Dark theme<" in body
    assert ">Log out<" in body
    response = client.post("/theme", data={
        "csrf_token": auth.csrf, "theme": "dark", "next": url})
    assert response.status_code == 303 and response.location.endswith(url)
    body = page(client, url)
    assert 'data-theme="dark"' in body and ">Light theme<" in body


def test_go_follows_selectors_without_javascript(client, auth, zou_stack):
    """The selectors' GET forms land on same-site pages only."""
    auth.login("admin")
    short = zou_stack.projects["short"]
    target = f"/productions/{short['id']}/sequences"
    response = client.get("/go", query_string={"to": target})
    assert response.status_code == 303 and response.location.endswith(
        target)
    for evil in ("https://evil.example/", "//evil.example", "javascript:x"):
        response = client.get("/go", query_string={"to": evil})
        assert response.location.endswith("/")
    body = page(client, target)
    assert '<form class="selector" method="get" action="/go">' in body
    assert '<noscript><button type="submit" class="go">Go</button>' in body


def test_my_productions_grid(client, auth, zou_stack):
    """Each production with its picture (or initials) and name."""
    auth.login("supervisor")
    body = page(client, "/open-productions")
    for key in ("short", "tv", "other"):
        project = zou_stack.projects[key]
        assert project["name"] in body
        assert f'href="/productions/{project["id"]}/assets"' in body
    assert re.search(r'class="production-avatar pc-\d"[^>]*>PL<', body)
    assert re.search(r'class="production-avatar pc-\d"[^>]*>HT<', body)


def test_my_productions_open_the_first_section_of_the_role(client, auth,
                                                           zou_stack):
    """A vendor's card opens the assets; every card link answers."""
    auth.login("vendor")
    body = page(client, "/open-productions")
    links = re.findall(r'<li class="production-card">\s*<a href="([^"]+)"',
                       body)
    assert links
    for link in links:
        assert re.match(r"^/productions/[^/]+/assets$", link)
        assert client.get(link).status_code == 200
