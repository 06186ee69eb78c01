"""Login, two-factor code, password reset, logout and the login limit."""

import logging
import re
import time

import pytest
import requests

from kitsu_web import create_app
from tests.auth_tools import (
    HangingServer,
    create_person,
    enable_totp,
    session_store,
    stack_redis,
    totp_code,
    zou_login,
)
from tests.conftest import csrf_from

HTTP_TIMEOUT = 30


def login_page_csrf(client, url="/login"):
    """Open the login page; return its CSRF token."""
    page = client.get(url)
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


def post_login(client, email, password, **extra):
    """Post the login form as a browser would."""
    data = {
        "email": email,
        "password": password,
        "csrf_token": login_page_csrf(client),
    }
    data.update(extra)
    return client.post("/login", data=data)


def session_cookie(client):
    """The value of kitsu-web's session cookie in the test client."""
    cookie = client.get_cookie("kitsu_web_session")
    return cookie.value if cookie else None


def test_login_keeps_tokens_on_the_server(client, app, zou_stack):
    """Only an opaque HttpOnly, SameSite=Lax cookie reaches the browser."""
    before = login_page_csrf(client) and session_cookie(client)
    user = zou_stack.users["artist1"]
    response = post_login(client, user["email"], user["password"])
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith("kitsu_web_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    after = session_cookie(client)
    assert after and after != before, "login must give a new session id"

    tokens = session_store(app, client).get()
    assert tokens["access"].count(".") == 2
    assert tokens["access"] not in cookie
    assert tokens["refresh"] not in cookie
    page = client.get("/open-productions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert tokens["access"] not in html and tokens["refresh"] not in html
    assert page.headers["Cache-Control"] == "no-store"


def test_authenticated_pages_are_no_store(client, auth):
    """Pages of a logged-in user are never kept by the browser cache."""
    auth.login("artist1")
    page = client.get("/open-productions")
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    html = page.get_data(as_text=True)
    assert '"historyCacheSize": 0' in html


@pytest.mark.parametrize(
    "field,value,expected",
    [
        ("next", "/open-productions?x=1", "/open-productions?x=1"),
        ("redirect", "/open-productions", "/open-productions"),
        ("next", "//evil.example/x", "/"),
        ("next", "https://evil.example/", "/"),
        ("next", "/\\evil.example", "/"),
        ("redirect", "http:/evil.example", "/"),
    ],
)
def test_login_returns_to_safe_pages_only(client, zou_stack, field, value,
                                          expected):
    """``next`` and Kitsu's ``redirect`` are honoured when same-site."""
    token = login_page_csrf(client, f"/login?{field}={value}")
    user = zou_stack.users["artist1"]
    response = client.post(
        "/login",
        data={"email": user["email"], "password": user["password"],
              "csrf_token": token, field: value},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_login_page_carries_next_into_its_form(client):
    """The hidden field keeps where to go after login."""
    html = client.get("/login?redirect=/open-productions").get_data(
        as_text=True)
    assert 'name="next" value="/open-productions"' in html
    html = client.get("/login?next=//evil.example").get_data(as_text=True)
    assert 'name="next" value="/"' in html


def test_logged_in_user_skips_the_login_page(client, auth):
    """GET /login when logged in goes straight to ``next``."""
    auth.login("artist1")
    response = client.get("/login?next=/open-productions")
    assert response.status_code == 302
    assert response.headers["Location"] == "/open-productions"


def test_wrong_password_is_said_plainly(client, zou_stack):
    """Zou's "wrong e-mail or password" shows on the form, e-mail kept."""
    person = create_person(zou_stack)
    response = post_login(client, person["email"], "not-the-password")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Wrong e-mail or password." in html
    assert f'value="{person["email"]}"' in html


def test_lockout_after_failed_attempts_is_said(client, zou_stack):
    """After five failures Zou locks the account; the page says so."""
    person = create_person(zou_stack)
    for _ in range(5):
        post_login(client, person["email"], "wrong-password")
    response = post_login(client, person["email"], person["password"])
    assert response.status_code == 422
    assert "locked for a minute" in response.get_data(as_text=True)


def test_inactive_account_is_said(client, zou_stack):
    """Zou's 401 for a deactivated account is not "wrong password"."""
    person = create_person(zou_stack, active=False)
    response = post_login(client, person["email"], person["password"])
    assert response.status_code == 422
    assert "inactive" in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def totp_person(zou_stack):
    """A person with TOTP on (enabling costs Zou seconds: done once)."""
    person = create_person(zou_stack)
    person["secret"] = enable_totp(zou_stack, person["email"],
                                   person["password"])
    return person


def test_totp_asks_for_the_code_then_logs_in(client, app, totp_person):
    """missing_OTP → code field; wrong_OTP → error on it; right → in."""
    person = totp_person
    secret = person["secret"]

    first = post_login(client, person["email"], person["password"],
                       next="/open-productions")
    assert first.status_code == 422
    html = first.get_data(as_text=True)
    assert 'name="totp"' in html and 'autocomplete="one-time-code"' in html
    assert person["password"] not in html
    challenge = re.search(r'name="challenge" value="([^"]+)"', html).group(1)
    csrf = csrf_from(html)

    wrong_code = str((int(totp_code(secret)) + 500000) % 1000000).zfill(6)
    wrong = client.post("/login", data={
        "email": person["email"], "totp": wrong_code,
        "challenge": challenge, "csrf_token": csrf,
        "next": "/open-productions"})
    assert wrong.status_code == 422
    wrong_html = wrong.get_data(as_text=True)
    assert 'id="totp-error"' in wrong_html and "Wrong code" in wrong_html
    challenge = re.search(
        r'name="challenge" value="([^"]+)"', wrong_html).group(1)

    right = client.post("/login", data={
        "email": person["email"], "totp": totp_code(secret),
        "challenge": challenge, "csrf_token": csrf_from(wrong_html),
        "next": "/open-productions"})
    assert right.status_code == 303, right.get_data(as_text=True)
    assert right.headers["Location"] == "/open-productions"
    assert session_store(app, client).get()["user_id"] == person["id"]
    assert client.get("/open-productions").status_code == 200


def test_totp_step_refuses_a_tampered_challenge(client, totp_person):
    """The code step needs the password half kept in the session."""
    person = totp_person
    secret = person["secret"]
    first = post_login(client, person["email"], person["password"])
    html = first.get_data(as_text=True)
    response = client.post("/login", data={
        "email": person["email"], "totp": totp_code(secret),
        "challenge": "AAAA", "csrf_token": csrf_from(html)})
    assert response.status_code == 422
    assert "Enter your password again" in response.get_data(as_text=True)


def test_default_password_leads_to_choosing_a_new_one(client, zou_stack):
    """Zou's default_password answer → /reset-change-password, then in."""
    person = create_person(zou_stack, password="default")
    response = post_login(client, person["email"], "default",
                          next="/open-productions")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/reset-change-password?")
    assert "token=" in location and "email=" in location

    page = client.get(location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Choose a new password before going on." in html
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    new_password = "fresh-password-42"
    done = client.post("/reset-change-password", data={
        "email": person["email"], "token": token, "password": new_password,
        "password2": new_password, "csrf_token": csrf_from(html),
        "next": "/open-productions"})
    assert done.status_code == 303
    assert done.headers["Location"] == "/login?next=%2Fopen-productions"
    notice = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Your password has been changed" in notice

    again = post_login(client, person["email"], new_password)
    assert again.status_code == 303


def test_forgot_password_request(client, zou_stack):
    """The request page always answers the same way (no enumeration)."""
    page = client.get("/reset-password")
    assert page.status_code == 200
    csrf = csrf_from(page.get_data(as_text=True))
    for email in (zou_stack.users["artist1"]["email"],
                  "nobody-here@example.com"):
        response = client.post("/reset-password",
                               data={"email": email, "csrf_token": csrf})
        assert response.status_code == 200
        assert "on its way" in response.get_data(as_text=True)
    empty = client.post("/reset-password",
                        data={"email": "", "csrf_token": csrf})
    assert empty.status_code == 422


def put_reset_token(zou_stack, email, token):
    """Store a reset token where Zou keeps the e-mailed ones (Redis DB 0)."""
    stack_redis(zou_stack, 0).set(f"reset-token-{email}", token, ex=600)


def test_reset_change_password_with_the_mailed_token(client, zou_stack):
    """The e-mail link's page sets the password; Zou's errors on fields."""
    person = create_person(zou_stack)
    token = "T3" + "X" * 62
    put_reset_token(zou_stack, person["email"], token)
    url = f"/reset-change-password?email={person['email']}&token={token}"
    page = client.get(url)
    assert page.status_code == 200
    csrf = csrf_from(page.get_data(as_text=True))
    form = {"email": person["email"], "token": token, "csrf_token": csrf}

    short = client.post("/reset-change-password",
                        data={**form, "password": "short",
                              "password2": "short"})
    assert short.status_code == 422
    assert 'id="password-error"' in short.get_data(as_text=True)

    differ = client.post("/reset-change-password",
                         data={**form, "password": "long-enough-1",
                               "password2": "long-enough-2"})
    assert differ.status_code == 422
    assert 'id="password2-error"' in differ.get_data(as_text=True)

    wrong = client.post("/reset-change-password",
                        data={**form, "token": "WRONG" * 12,
                              "password": "long-enough-1",
                              "password2": "long-enough-1"})
    assert wrong.status_code == 422
    assert "wrong or has expired" in wrong.get_data(as_text=True)

    done = client.post("/reset-change-password",
                       data={**form, "password": "long-enough-1",
                             "password2": "long-enough-1"})
    assert done.status_code == 303
    assert zou_login(zou_stack, person["email"],
                     "long-enough-1").status_code == 200

    reused = client.post("/reset-change-password",
                         data={**form, "password": "long-enough-3",
                               "password2": "long-enough-3"})
    assert reused.status_code == 422


def test_reset_link_without_token_says_so(client):
    """An incomplete link offers to ask for a new one."""
    html = client.get("/reset-change-password?email=a@example.com").get_data(
        as_text=True)
    assert 'name="password"' not in html
    assert "Ask for a new link" in html


def test_login_rate_limit_per_address(app_settings, zou_stack):
    """Past the limit, an address gets 429 without asking Zou."""
    app = create_app(**{**app_settings, "login_rate_limit": 3,
                        "login_rate_window": 60})
    client = app.test_client()
    person = create_person(zou_stack)
    token = login_page_csrf(client)
    data = {"email": person["email"], "password": "wrong-1",
            "csrf_token": token}
    statuses = [
        client.post("/login", data=data,
                    environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    blocked = client.post("/login", data={**data,
                                          "password": person["password"]},
                          environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "60"
    assert "Too many login attempts" in blocked.get_data(as_text=True)
    # Zou saw three failures, not five: the account is not locked.
    other = client.post("/login", data={**data,
                                        "password": person["password"]},
                        environ_base={"REMOTE_ADDR": "10.9.8.8"})
    assert other.status_code == 303


def test_logout_is_post_only(client, auth):
    """A GET to /logout does nothing."""
    auth.login("artist1")
    assert client.get("/logout").status_code == 405
    assert client.get("/open-productions").status_code == 200


def test_logout_revokes_at_zou_and_rotates_the_cookie(client, app, auth,
                                                      zou_stack):
    """Case 3: the old refresh token is dead at Zou; the cookie is gone."""
    auth.login("artist1")
    tokens = session_store(app, client).get()
    old_cookie = session_cookie(client)
    response = auth.logout()
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    set_cookie = response.headers.get("Set-Cookie", "")
    assert set_cookie.startswith("kitsu_web_session=;")
    refreshed = requests.get(
        f"{zou_stack.api_url}/auth/refresh-token",
        headers={"Authorization": f"Bearer {tokens['refresh']}"},
        timeout=HTTP_TIMEOUT,
    )
    assert refreshed.status_code == 401
    assert refreshed.json()["msg"] == "Token has been revoked"
    # The old cookie value opens nothing any more.
    client.set_cookie("kitsu_web_session", old_cookie)
    back = client.get("/open-productions")
    assert back.status_code == 302
    assert back.headers["Location"] == "/login?next=/open-productions"


def test_logout_when_zou_hangs(app_settings, zou_stack):
    """Zou not answering: logout still ends the session, within seconds."""
    app = create_app(**app_settings)
    client = app.test_client()
    user = zou_stack.users["artist1"]
    assert post_login(client, user["email"], user["password"]).status_code \
        == 303
    cookie = session_cookie(client)
    csrf = csrf_from(client.get("/open-productions").get_data(as_text=True))

    hanging = HangingServer()
    try:
        # A second process of the same deployment whose Zou hangs: same
        # session files and secret, another API target.
        broken = create_app(**{**app_settings, "api_target": hanging.url,
                               "zou_timeout": 1.0})
        broken_client = broken.test_client()
        broken_client.set_cookie("kitsu_web_session", cookie)
        started = time.monotonic()
        response = broken_client.post("/logout", data={"csrf_token": csrf})
        elapsed = time.monotonic() - started
    finally:
        hanging.close()
    assert response.status_code == 303
    assert elapsed < 5
    assert response.headers.get("Set-Cookie", "").startswith(
        "kitsu_web_session=;")
    assert client.get("/open-productions").status_code == 302


def test_login_page_after_session_end_asks_zou_nothing(client, app, auth,
                                                       zou_stack, caplog):
    """Once the session is over, the login page makes no Zou call."""
    auth.login("artist1")
    tokens = session_store(app, client).get()
    requests.get(f"{zou_stack.api_url}/auth/logout",
                 headers={"Authorization": f"Bearer {tokens['access']}"},
                 timeout=HTTP_TIMEOUT)
    session_store(app, client).backend.delete(
        f"user:{session_store(app, client).key}")
    response = client.get("/open-productions")
    assert response.headers["Location"] == "/login?next=/open-productions"
    caplog.set_level(logging.DEBUG, logger="kitsu_web.zou.client")
    caplog.clear()
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert not [r for r in caplog.records if r.getMessage().startswith("zou ")]


def test_cookie_is_secure_when_served_over_https(app_settings, zou_stack):
    """A public https:// URL makes the session cookie Secure."""
    app = create_app(**{**app_settings,
                        "public_url": "https://kitsu.example"})
    client = app.test_client()
    user = zou_stack.users["artist1"]
    response = post_login(client, user["email"], user["password"])
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]
