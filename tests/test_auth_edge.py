"""Login and session edge cases found by trying to break them."""

import requests

from kitsu_web import create_app
from tests.auth_tools import mint_token, session_store
from tests.conftest import Auth, csrf_from
from tests.test_proxy_edge import broken_zou  # noqa: F401  (fixture)

HTTP_TIMEOUT = 30


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
