"""Zou's authentication routes."""


def log_in(caller, email, password, totp=None, client_headers=None):
    """POST /auth/login; returns (status, body) so every answer is shown."""
    payload = {"email": email, "password": password}
    if totp:
        payload["totp"] = totp
    response = caller.send(
        "POST", "/auth/login", json=payload, headers=client_headers
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    return response.status_code, body if isinstance(body, dict) else {}


def log_out(caller, timeout=5):
    """GET /auth/logout: revokes the access token and its refresh token."""
    return caller.send("GET", "/auth/logout", timeout=timeout)


def get_authenticated(caller):
    """GET /auth/authenticated: the user and organisation, or raises."""
    return caller.get("/auth/authenticated")
