"""Shared fixtures: the real Zou stack, the app, and logged-in clients."""

import re

import pytest

from kitsu_web import create_app

pytest_plugins = [
    "tests.fixtures.zou_stack",
    "tests.plugins.live_server",
]


@pytest.fixture(scope="session")
def app_settings(zou_stack, tmp_path_factory):
    """Settings overrides pointing kitsu-web at the test stack."""
    return {
        "env": "testing",
        "secret_key": "test-" + "x" * 40,
        "api_target": zou_stack.api_url,
        "event_target": zou_stack.event_url,
        "session_dir": str(tmp_path_factory.mktemp("sessions")),
        "login_rate_limit": 10000,
        "bridge_mode": "off",
    }


@pytest.fixture()
def app(app_settings):
    """A kitsu-web app wired to the test stack."""
    return create_app(**app_settings)


@pytest.fixture()
def client(app):
    """A Flask test client."""
    return app.test_client()


def csrf_from(html):
    """The CSRF token embedded in a rendered page."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Auth:
    """Log a test client in and out as one of the seeded people."""

    def __init__(self, client, zou_stack):
        self.client = client
        self.stack = zou_stack
        self.csrf = None

    def login(self, who="admin", next_url=None):
        """Log in through the login form; returns the final response."""
        user = self.stack.users[who]
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        data = {"email": user["email"], "password": user["password"],
                "csrf_token": token}
        if next_url:
            data["next"] = next_url
        response = self.client.post("/login", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)
        self.csrf = csrf_from(self.client.get("/login?next=/x",
                              follow_redirects=True).get_data(as_text=True))
        return response

    def logout(self):
        """Log out through the user menu's form."""
        return self.client.post("/logout", data={"csrf_token": self.csrf})


@pytest.fixture()
def auth(client, zou_stack):
    """Login helper bound to ``client``."""
    return Auth(client, zou_stack)


FIRST_MODULES = ("tests/test_zou_stack.py", "tests/test_contract.py")


def pytest_collection_modifyitems(config, items):
    """Run the seed and contract checks first, before other tests add to
    the seeded productions."""
    def rank(item):
        path = item.nodeid.split("::")[0]
        return 0 if path in FIRST_MODULES else 1

    items.sort(key=rank)
