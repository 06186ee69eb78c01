"""The token rule against the real Zou: refresh, session end, errors."""

import logging
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from kitsu_web import create_app, zou
from tests.auth_tools import (
    LiveTokens,
    live_login,
    mint_token,
    session_store,
)
from tests.conftest import csrf_from
from tests.plugins.live_server import free_port

HTTP_TIMEOUT = 30
REFRESHED = "access token refreshed"


def revoke(stack, access):
    """Log the token out at Zou, as another tab or an admin would."""
    answer = requests.get(
        f"{stack.api_url}/auth/logout",
        headers={"Authorization": f"Bearer {access}"},
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 200, answer.text


def forget_cached_user(app, client):
    """Make the next request read the user from Zou again."""
    store = session_store(app, client)
    store.backend.delete(f"user:{store.key}")


def refresh_lines(caplog):
    """Log records of successful refreshes."""
    return [r for r in caplog.records if r.getMessage() == REFRESHED]


def test_revoked_token_sends_a_page_to_login(client, app, auth, zou_stack):
    """Any other 401: the session ends, the page goes to /login?next=."""
    auth.login("artist1")
    store = session_store(app, client)
    revoke(zou_stack, store.get()["access"])
    response = client.get("/open-productions?sort=name")
    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/login?next=/open-productions%3Fsort%3Dname"
    )
    assert store.get() is None
    assert response.headers["Set-Cookie"].startswith("kitsu_web_session=;")


def test_revoked_token_redirects_htmx_to_the_page_it_came_from(
    client, app, auth, zou_stack
):
    """An htmx request gets HX-Redirect to /login?next=<the page>."""
    auth.login("artist1")
    revoke(zou_stack, session_store(app, client).get()["access"])
    response = client.get(
        "/open-productions",
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://localhost/open-productions?x=1",
        },
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == (
        "/login?next=/open-productions%3Fx%3D1"
    )


def test_malformed_token_ends_the_session(client, app, auth):
    """A 422 from Zou (bad token) ends the session like a 401."""
    auth.login("artist1")
    store = session_store(app, client)
    tokens = store.get()
    store.put("not.a.token", tokens["refresh"], tokens["user_id"])
    response = client.get("/open-productions")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert store.get() is None


def test_expired_token_is_refreshed_once(client, app, auth, zou_stack,
                                         caplog):
    """Case 2: an expired signature → one refresh, and the page works."""
    auth.login("artist1")
    store = session_store(app, client)
    tokens = store.get()
    expired = mint_token(zou_stack, tokens["access"], -120)
    store.put(expired, tokens["refresh"], tokens["user_id"])
    forget_cached_user(app, client)
    caplog.set_level(logging.INFO, logger="kitsu_web.zou.client")
    response = client.get("/open-productions")
    assert response.status_code == 200
    assert len(refresh_lines(caplog)) == 1
    fresh = store.get()["access"]
    assert fresh != expired
    # The refresh token is Zou's own, kept; the new token is in use.
    assert store.get()["refresh"] == tokens["refresh"]
    caplog.clear()
    assert client.get("/open-productions").status_code == 200
    assert not refresh_lines(caplog)


def test_failed_refresh_ends_the_session(client, app, auth, zou_stack):
    """A refresh Zou refuses ends the session."""
    auth.login("artist1")
    store = session_store(app, client)
    tokens = store.get()
    expired = mint_token(zou_stack, tokens["access"], -120)
    revoke(zou_stack, tokens["access"])  # kills the refresh token too
    store.put(expired, tokens["refresh"], tokens["user_id"])
    response = client.get("/open-productions")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/open-productions"
    assert store.get() is None


def test_logout_after_a_refresh_revokes_the_refresh_token(
    client, app, auth, zou_stack
):
    """Case 3 after a refresh: the refreshed token still names the pair."""
    auth.login("artist1")
    store = session_store(app, client)
    tokens = store.get()
    store.put(mint_token(zou_stack, tokens["access"], -120),
              tokens["refresh"], tokens["user_id"])
    forget_cached_user(app, client)
    assert client.get("/open-productions").status_code == 200
    assert store.get()["access"] != tokens["access"]
    assert auth.logout().status_code == 303
    refreshed = requests.get(
        f"{zou_stack.api_url}/auth/refresh-token",
        headers={"Authorization": f"Bearer {tokens['refresh']}"},
        timeout=HTTP_TIMEOUT,
    )
    assert refreshed.status_code == 401
    assert client.get("/open-productions").status_code == 302


def test_user_is_read_from_zou_at_most_every_few_seconds(
    client, app, auth, caplog
):
    """Flask-Login's user comes from /auth/authenticated, cached briefly."""
    auth.login("artist1")
    forget_cached_user(app, client)
    caplog.set_level(logging.DEBUG, logger="kitsu_web.zou.client")
    for _ in range(3):
        assert client.get("/open-productions").status_code == 200
    calls = [r for r in caplog.records
             if r.getMessage().startswith("zou GET /auth/authenticated")]
    assert len(calls) == 1


def test_zou_down_gives_a_retry_page_and_keeps_the_session(
    app_settings, zou_stack
):
    """Connection refused → 503 page offering a retry; session kept."""
    app = create_app(**app_settings)
    client = app.test_client()
    user = zou_stack.users["artist1"]
    csrf = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user["email"],
                                "password": user["password"],
                                "csrf_token": csrf})
    cookie = client.get_cookie("kitsu_web_session").value
    forget_cached_user(app, client)
    down = create_app(**{**app_settings,
                         "api_target": f"http://127.0.0.1:{free_port()}"})
    down_client = down.test_client()
    down_client.set_cookie("kitsu_web_session", cookie)
    page = down_client.get("/open-productions")
    assert page.status_code == 503
    html = page.get_data(as_text=True)
    assert "Traceback" not in html
    assert "retry" in html.lower() or "try again" in html.lower()
    fragment = down_client.get("/open-productions",
                               headers={"HX-Request": "true"})
    assert fragment.status_code == 503
    # Back on the working Zou, the same session still works.
    assert session_store(app, client).get() is not None
    assert client.get("/open-productions").status_code == 200


@pytest.fixture()
def probe_app(app_settings):
    """An app with one extra fragment route that reads a task from Zou."""
    app = create_app(**app_settings)

    def probe_task(task_id):
        task = zou.current().get(f"/data/tasks/{task_id}")
        return f"<p>{task['id']}</p>"

    app.add_url_rule("/_probe/tasks/<task_id>", "probe_task", probe_task)
    return app


def other_task_id(stack):
    """A task of the production artist2 is not on."""
    project = stack.projects["other"]["id"]
    tasks = stack.get(f"/data/tasks?project_id={project}&limit=1").json()
    assert tasks, "the seed has tasks in the other production"
    return tasks[0]


def test_task_of_another_production_is_not_available(
    probe_app, zou_stack
):
    """Case 4: "not available" in place, session kept, next page 200."""
    from tests.conftest import Auth

    client = probe_app.test_client()
    Auth(client, zou_stack).login("artist2")
    task = other_task_id(zou_stack)
    fragment = client.get(f"/_probe/tasks/{task['id']}",
                          headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Not available" in fragment.get_data(as_text=True)
    whole = client.get(f"/_probe/tasks/{task['id']}")
    assert whole.status_code == 404
    assert client.get("/open-productions").status_code == 200

    if "tasks.task_page" in probe_app.view_functions:
        url = (f"/productions/{task['project_id']}/assets/tasks/"
               f"{task['id']}")
        page = client.get(url)
        assert page.status_code == 404
        assert "Traceback" not in page.get_data(as_text=True)
        panel = client.get(f"/tasks/{task['id']}/panel",
                           headers={"HX-Request": "true"})
        assert panel.status_code == 200
        assert "Not available" in panel.get_data(as_text=True)
        assert client.get("/open-productions").status_code == 200


# Against the live server (gunicorn + gevent, Redis store).


def cookie_of(http):
    """The session id a requests session holds for the live server."""
    return http.cookies.get("kitsu_web_session")


def test_ten_concurrent_requests_share_one_refresh(live_server, zou_stack):
    """Case 2, concurrently: ten requests, one refresh."""
    http = live_login(live_server, zou_stack, "artist1")
    tokens = LiveTokens(zou_stack, cookie_of(http))
    access = tokens.get()["access"]
    tokens.put_access(mint_token(zou_stack, access, -120))
    before = live_server.log().count(REFRESHED)

    def load(_):
        return http.get(f"{live_server.url}/open-productions",
                        allow_redirects=False, timeout=HTTP_TIMEOUT)

    with ThreadPoolExecutor(10) as pool:
        statuses = [r.status_code for r in pool.map(load, range(10))]
    assert statuses == [200] * 10
    assert live_server.log().count(REFRESHED) - before == 1
    assert tokens.get()["access"] != access


def test_concurrent_requests_end_the_session_once(live_server, zou_stack):
    """Five requests learn the token is revoked: one clears the cookie."""
    http = live_login(live_server, zou_stack, "artist1")
    tokens = LiveTokens(zou_stack, cookie_of(http))
    revoke(zou_stack, tokens.get()["access"])
    cookie = cookie_of(http)

    def load(_):
        return requests.get(
            f"{live_server.url}/open-productions",
            headers={"HX-Request": "true",
                     "HX-Current-URL": f"{live_server.url}/open-productions"},
            cookies={"kitsu_web_session": cookie},
            allow_redirects=False, timeout=HTTP_TIMEOUT)

    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(load, range(5)))
    assert [a.headers.get("HX-Redirect") for a in answers] == [
        "/login?next=/open-productions"] * 5
    cleared = [a for a in answers if "Set-Cookie" in a.headers]
    assert len(cleared) <= 1
    assert tokens.get() is None


def test_no_token_in_pages_cookies_or_logs(live_server, zou_stack):
    """The access and refresh tokens never leave the server."""
    http = live_login(live_server, zou_stack, "artist1")
    tokens = LiveTokens(zou_stack, cookie_of(http))
    secrets_ = [tokens.get()["access"], tokens.get()["refresh"]]
    bodies = []
    for path in ("/open-productions", "/login", "/static/js/app.js",
                 "/api/data/projects/open"):
        answer = http.get(f"{live_server.url}{path}", timeout=HTTP_TIMEOUT)
        bodies.append(answer.text)
        bodies.extend(f"{k}: {v}" for k, v in answer.headers.items())
    for cookie in http.cookies:
        bodies.append(cookie.value)
    scripts = re.findall(r'src="([^"]+\.js)"', bodies[0])
    for src in scripts:
        bodies.append(http.get(f"{live_server.url}{src}",
                               timeout=HTTP_TIMEOUT).text)
    text = "\n".join(bodies) + live_server.log()
    for secret in secrets_:
        assert secret not in text
        assert secret.split(".")[2] not in text  # not even the signature
