"""Login and session edge cases found by trying to break them."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import redirect

from kitsu_web import create_app, zou
from tests.auth_tools import mint_token, session_store
from tests.conftest import Auth, csrf_from
from tests.fault_server import FaultServer, read_head
from tests.test_proxy_edge import broken_zou  # noqa: F401  (fixture)

HTTP_TIMEOUT = 30
EXPIRED = "Signature has expired"


def test_answer_cut_short_gives_the_retry_page(app_settings, zou_stack,
                                               broken_zou):  # noqa: F811
    """Zou dying mid-answer is "unavailable" (503), never a 500."""
    app = create_app(**app_settings)
    client = app.test_client()
    Auth(client, zou_stack).login("artist1")
    store = session_store(app, client)
    store.backend.delete(f"user:{store.key}")
    cookie = client.get_cookie("kitsu_web_session").value

    broken = create_app(**{**app_settings, "api_target": broken_zou.url,
                           "zou_timeout": 1.0})
    broken_client = broken.test_client()
    broken_client.set_cookie("kitsu_web_session", cookie)
    page = broken_client.get("/open-productions")
    assert page.status_code == 503
    assert "Traceback" not in page.get_data(as_text=True)
    fragment = broken_client.get("/open-productions",
                                 headers={"HX-Request": "true"})
    assert fragment.status_code == 503
    # The session outlives the outage.
    assert store.get() is not None

    anonymous = broken.test_client()
    csrf = csrf_from(anonymous.get("/login").get_data(as_text=True))
    user = zou_stack.users["artist1"]
    login = anonymous.post("/login", data={
        "email": user["email"], "password": user["password"],
        "csrf_token": csrf})
    assert login.status_code == 503
    assert "Zou" in login.get_data(as_text=True)


def test_logout_with_an_expired_token_still_revokes_at_zou(client, app,
                                                           auth, zou_stack):
    """Case 3 when the access token expired since the last page: logout
    refreshes it once so Zou can revoke the pair."""
    auth.login("artist1")
    store = session_store(app, client)
    tokens = store.get()
    store.put(mint_token(zou_stack, tokens["access"], -120),
              tokens["refresh"], tokens["user_id"])
    response = auth.logout()
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    refreshed = requests.get(
        f"{zou_stack.api_url}/auth/refresh-token",
        headers={"Authorization": f"Bearer {tokens['refresh']}"},
        timeout=HTTP_TIMEOUT,
    )
    assert refreshed.status_code == 401
    assert store.get() is None


class SlowRefreshZou(FaultServer):
    """A loopback Zou whose tokens have all expired and whose refresh
    route never answers; ``on_refresh`` runs as a refresh comes in."""

    def __init__(self, on_refresh):
        self.on_refresh = on_refresh
        super().__init__()

    def answer(self, conn):
        """Answer the requests of one kept-alive connection."""
        rest = b""
        while True:
            head, rest = read_head(conn, rest)
            if head is None:
                return
            if b" /auth/refresh-token " in head.split(b"\r\n")[0]:
                self.on_refresh()
                return  # never answered
            body = json.dumps({"msg": EXPIRED, "message": EXPIRED}).encode()
            conn.sendall(
                b"HTTP/1.1 401 UNAUTHORIZED\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body) + body
            )


def test_refresh_lock_lost_during_a_slow_refresh(app_settings, zou_stack):
    """Zou hanging on a refresh while the shared lock is lost (expired,
    Redis restarted): the retry page (503), never a 500."""
    settings = {**app_settings,
                "redis_url": f"redis://127.0.0.1:{zou_stack.redis_port}/5"}
    app = create_app(**settings)
    client = app.test_client()
    Auth(client, zou_stack).login("artist1")
    store = session_store(app, client)
    store.backend.delete(f"user:{store.key}")
    cookie = client.get_cookie("kitsu_web_session").value
    lock_key = f"kitsu-web:lock:refresh:{store.key}"
    lost = []

    def lose_the_lock():
        lost.append(store.backend.redis.delete(lock_key))

    slow = SlowRefreshZou(lose_the_lock)
    try:
        broken = create_app(**{**settings, "api_target": slow.url,
                               "zou_timeout": 1.0})
        broken_client = broken.test_client()
        broken_client.set_cookie("kitsu_web_session", cookie)
        page = broken_client.get("/open-productions")
    finally:
        slow.close()
    assert lost == [1]
    assert page.status_code == 503
    assert "Traceback" not in page.get_data(as_text=True)
    assert store.get() is not None


def test_requests_queued_behind_a_hung_refresh_do_not_retry_it(
        app_settings, zou_stack):
    """Concurrent requests behind a refresh Zou leaves unanswered all get
    the 503 page after one refresh time-out, not one time-out each."""
    settings = {**app_settings,
                "redis_url": f"redis://127.0.0.1:{zou_stack.redis_port}/5"}
    app = create_app(**settings)
    client = app.test_client()
    Auth(client, zou_stack).login("artist1")
    store = session_store(app, client)
    store.backend.delete(f"user:{store.key}")
    cookie = client.get_cookie("kitsu_web_session").value
    refreshes = []
    slow = SlowRefreshZou(lambda: refreshes.append(1))
    try:
        broken = create_app(**{**settings, "api_target": slow.url,
                               "zou_timeout": 1.0})

        def load(_):
            http = broken.test_client()
            http.set_cookie("kitsu_web_session", cookie)
            started = time.monotonic()
            answer = http.get("/open-productions")
            return answer.status_code, time.monotonic() - started

        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(load, range(4)))
    finally:
        slow.close()
    assert [status for status, _ in answers] == [503] * 4
    assert len(refreshes) == 1
    assert max(elapsed for _, elapsed in answers) < 2.5
    assert store.get() is not None


@pytest.fixture()
def form_app(app_settings):
    """An app with one extra form route that asks Zou as the user."""
    app = create_app(**app_settings)

    def probe_form():
        zou.current().get("/data/user/context")
        return redirect("/open-productions", code=303)

    app.add_url_rule("/_probe/form", "probe_form", probe_form,
                     methods=["POST"])
    return app


def logged_in_then_logged_out(app, stack):
    """A client whose page (and CSRF token) outlived a logout made in
    another tab; returns the client and that page's token."""
    client = app.test_client()
    Auth(client, stack).login("artist1")
    csrf = csrf_from(client.get("/open-productions").get_data(as_text=True))
    other_tab = client.post("/logout", data={"csrf_token": csrf})
    assert other_tab.status_code == 303
    return client, csrf


def test_htmx_post_after_the_session_ended_goes_to_login(form_app,
                                                         zou_stack):
    """The session is over (logout in another tab): an htmx action sends
    the page to login, instead of failing silently on the stale token."""
    client, csrf = logged_in_then_logged_out(form_app, zou_stack)
    answer = client.post("/_probe/form", headers={
        "HX-Request": "true", "X-CSRFToken": csrf,
        "HX-Current-URL": "http://localhost/open-productions?sort=name"})
    assert answer.status_code == 200
    assert answer.headers["HX-Redirect"] == (
        "/login?next=/open-productions%3Fsort%3Dname")


def test_form_post_after_the_session_ended_goes_to_login(form_app,
                                                         zou_stack):
    """A plain form posted once the session is over goes to login, and
    back to the page the form was on (never to the POST-only URL)."""
    client, csrf = logged_in_then_logged_out(form_app, zou_stack)
    answer = client.post("/_probe/form", data={"csrf_token": csrf},
                         headers={"Referer": "http://localhost/my-tasks"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/login?next=/my-tasks"
    foreign = client.post("/_probe/form", data={"csrf_token": csrf},
                          headers={"Referer": "http://evil.example/x"})
    assert foreign.headers["Location"] == "/login?next=/"


def test_form_post_on_a_revoked_token_returns_to_its_page(form_app,
                                                          zou_stack):
    """Zou ending the session during a form post: login, then back to the
    page the form was on."""
    client = form_app.test_client()
    Auth(client, zou_stack).login("artist1")
    csrf = csrf_from(client.get("/open-productions").get_data(as_text=True))
    store = session_store(form_app, client)
    revoked = requests.get(
        f"{zou_stack.api_url}/auth/logout",
        headers={"Authorization": f"Bearer {store.get()['access']}"},
        timeout=HTTP_TIMEOUT)
    assert revoked.status_code == 200
    answer = client.post("/_probe/form", data={"csrf_token": csrf},
                         headers={"Referer": "http://localhost/my-tasks"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/login?next=/my-tasks"


def test_htmx_post_with_a_stale_token_reloads_the_page(form_app,
                                                       zou_stack):
    """Logged in again in another tab: the old page's token is stale; an
    htmx action reloads the page (fresh token) instead of doing nothing."""
    client, csrf = logged_in_then_logged_out(form_app, zou_stack)
    Auth(client, zou_stack).login("artist1")
    answer = client.post("/_probe/form", headers={
        "HX-Request": "true", "X-CSRFToken": csrf,
        "HX-Current-URL": "http://localhost/open-productions"})
    assert answer.status_code == 400
    assert answer.headers["HX-Refresh"] == "true"


def test_stale_login_form_says_it_expired(client):
    """The login form itself with a stale token: said plainly, no loop."""
    client.get("/login")
    answer = client.post("/login", data={"email": "a@example.com",
                                         "password": "x",
                                         "csrf_token": "stale"})
    assert answer.status_code == 400
    assert "expired" in answer.get_data(as_text=True)
