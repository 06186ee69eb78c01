"""Login, session end and logout in Chromium, against the live server."""

import re
import time
from pathlib import Path

import pytest
import requests

from tests.auth_tools import LiveTokens
from tests.plugins.live_server import browser_login

pytestmark = pytest.mark.browser

HTTP_TIMEOUT = 30
PAGE = "/open-productions"


def session_id(page):
    """The kitsu-web session cookie Chromium holds."""
    for cookie in page.context.cookies():
        if cookie["name"] == "kitsu_web_session":
            return cookie["value"]
    return None


def zou_refresh_calls(stack):
    """How many refreshes Zou has been asked for so far."""
    log = Path(stack.dir) / "api-access.log"
    return log.read_text(errors="replace").count("/auth/refresh-token")


def wait_for_log(live_server, start, needle, count, timeout=10):
    """The server log after ``start`` once it holds ``needle`` ``count``×."""
    deadline = time.monotonic() + timeout
    while True:
        tail = live_server.log()[start:]
        if tail.count(needle) >= count or time.monotonic() > deadline:
            return tail
        time.sleep(0.1)


def test_revoked_session_sends_the_page_to_login_once(page, live_server,
                                                      zou_stack):
    """Case 1: five htmx requests at once, one trip to the login page."""
    browser_login(page, zou_stack, "artist1", next_url=PAGE)
    assert page.url == f"{live_server.url}{PAGE}"
    tokens = LiveTokens(zou_stack, session_id(page))
    revoked = requests.get(
        f"{zou_stack.api_url}/auth/logout",
        headers={"Authorization": f"Bearer {tokens.get()['access']}"},
        timeout=HTTP_TIMEOUT,
    )
    assert revoked.status_code == 200
    start = len(live_server.log())
    refreshes = zou_refresh_calls(zou_stack)

    with page.expect_navigation(url=re.compile(r"/login\?next=")):
        page.evaluate(
            """(url) => {
                for (let i = 0; i < 5; i++) {
                    htmx.ajax("GET", url, {target: "#content",
                                           swap: "none"});
                }
            }""",
            PAGE,
        )
    page.wait_for_selector("input[name=password]")
    assert page.url == f"{live_server.url}/login?next={PAGE}"

    # All five reached the server (the first answer turned the page).
    wait_for_log(live_server, start, f'"GET {PAGE} ', 5)
    log = wait_for_log(live_server, start, '"GET /login', 1)
    assert log.count('"GET /login') == 1
    assert log.count(f'"GET /login?next={PAGE} ') == 1
    assert "access token refreshed" not in log
    assert "token refresh refused" not in log
    assert zou_refresh_calls(zou_stack) == refreshes
    assert tokens.get() is None

    user = zou_stack.users["artist1"]
    page.fill("input[name=email]", user["email"])
    page.fill("input[name=password]", user["password"])
    with page.expect_navigation(url=f"{live_server.url}{PAGE}"):
        page.click("button[type=submit]")
    assert page.locator("#content").is_visible()


def test_back_after_logout_shows_the_login_page(page, live_server,
                                                 zou_stack):
    """Case 3 in the browser: logout, then Back asks the server again."""
    browser_login(page, zou_stack, "artist1", next_url=PAGE)
    assert page.url == f"{live_server.url}{PAGE}"
    old_sid = session_id(page)
    tokens = LiveTokens(zou_stack, old_sid)
    refresh = tokens.get()["refresh"]
    page.click("details.user-menu > summary")
    with page.expect_navigation(url=f"{live_server.url}/login"):
        page.click("form[action='/logout'] button")
    assert session_id(page) != old_sid
    assert tokens.get() is None

    page.go_back()
    page.wait_for_selector("input[name=password]")
    assert "/login" in page.url
    assert page.locator("details.user-menu").count() == 0
    dead = requests.get(
        f"{zou_stack.api_url}/auth/refresh-token",
        headers={"Authorization": f"Bearer {refresh}"},
        timeout=HTTP_TIMEOUT,
    )
    assert dead.status_code == 401


def test_login_page_shows_zou_answers(page, live_server):
    """A wrong password is said on the page; the form keeps the e-mail."""
    page.goto("/login?redirect=/open-productions")
    page.fill("input[name=email]", "nobody-at-all@example.com")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    page.wait_for_selector(".form-error")
    assert "Wrong e-mail or password." in page.inner_text(".form-error")
    assert page.input_value("input[name=email]") == (
        "nobody-at-all@example.com")
    assert page.input_value("input[name=next]") == "/open-productions"
    page.click("text=Forgot your password?")
    page.wait_for_selector("text=Send the link")
    assert page.url.endswith("/reset-password")
