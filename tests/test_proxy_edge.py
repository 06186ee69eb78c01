"""/api passthrough edge cases found by trying to break it."""

import base64

import pytest

from kitsu_web import create_app
from tests.fault_server import FaultServer, read_head
from tests.test_proxy import picture  # noqa: F401  (fixture)


class BrokenAnswerServer(FaultServer):
    """A loopback server whose every answer breaks after the headers.

    A Content-Length is announced, then no byte of the body comes: with
    ``cut`` the connection closes, with ``stall`` it stays silent.
    """

    def __init__(self, mode):
        self.mode = mode
        super().__init__()

    def answer(self, conn):
        """Send the headers of an answer, then break off or stall."""
        read_head(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\n"
            b"Content-Type: application/json\r\n"
            b"Content-Length: 5000\r\n\r\n"
        )
        if self.mode == "cut":
            conn.close()


@pytest.fixture(params=["cut", "stall"])
def broken_zou(request):
    """A Zou whose answers break off after their headers."""
    server = BrokenAnswerServer(request.param)
    yield server
    server.close()


def test_answer_broken_before_its_body_is_a_json_503(app_settings,
                                                     broken_zou):
    """Zou failing before the first byte of its body: JSON 503, no 500."""
    app = create_app(**{**app_settings, "api_target": broken_zou.url,
                        "zou_timeout": 1.0})
    client = app.test_client()
    answer = client.get("/api/data/projects")
    assert answer.status_code == 503
    assert answer.is_json
    assert answer.get_json()["error"] is True


def test_zou_redirects_stay_under_api(client, zou_stack):
    """A redirect Zou makes to its own address is followed under /api,
    never to Zou's internal address (which a browser cannot reach)."""
    answer = client.get("/api/apidocs?x=1")
    assert answer.status_code in (301, 302, 307, 308)
    assert answer.headers["Location"] == "/api/apidocs/?x=1"
    elsewhere = client.get("/api/auth/authenticated")
    assert "Location" not in elsewhere.headers


def test_only_a_bearer_is_the_callers_own(client, auth, zou_stack,
                                          picture):  # noqa: F811
    """Basic credentials a front proxy asked the browser for are neither
    taken for the caller's identity nor passed on to Zou."""
    auth.login("admin")
    basic = {"Authorization": "Basic " + base64.b64encode(
        b"staging:door-password").decode()}
    media = client.get(
        f"/api/pictures/originals/preview-files/{picture['id']}.png",
        headers=basic)
    assert media.status_code == 200
    assert media.data == picture["bytes"]
    data = client.get("/api/auth/authenticated", headers=basic)
    assert data.status_code == 401
    assert client.get("/open-productions").status_code == 200
