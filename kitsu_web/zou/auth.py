"""Zou's authentication routes."""


def _answer(response):
    """Zou's (status, JSON body as a dict) so every answer can be shown."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    return response.status_code, body if isinstance(body, dict) else {}


def log_in(caller, email, password, totp=None, client_headers=None):
    """POST /auth/login; returns (status, body) so every answer is shown."""
    payload = {"email": email, "password": password}
    if totp:
        payload["totp"] = totp
    response = caller.send(
        "POST", "/auth/login", json=payload, headers=client_headers
    )
    return _answer(response)


def log_out(caller, timeout=5):
    """GET /auth/logout: revokes the access token and its refresh token."""
    return caller.send("GET", "/auth/logout", timeout=timeout)


def get_authenticated(caller):
    """GET /auth/authenticated: the user and organisation, or raises."""
    return caller.get("/auth/authenticated")


def request_password_reset(caller, email, client_headers=None):
    """POST /auth/reset-password: Zou e-mails a link to choose a password."""
    response = caller.send(
        "POST",
        "/auth/reset-password",
        json={"email": email},
        headers=client_headers,
    )
    return _answer(response)


def reset_password(caller, email, token, password, password2):
    """PUT /auth/reset-password: set a new password with a reset token."""
    response = caller.send(
        "PUT",
        "/auth/reset-password",
        json={
            "email": email,
            "token": token,
            "password": password,
            "password2": password2,
        },
    )
    return _answer(response)
