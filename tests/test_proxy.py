"""The /api passthrough, against the real Zou (and the live server)."""

import json
import logging
import os
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import requests

from kitsu_web import create_app
from kitsu_web.zou.multipart import MultipartBody
from tests.auth_tools import (
    create_person,
    mint_token,
    png_bytes,
    proxy_task,
    session_store,
)
from tests.conftest import csrf_from

HTTP_TIMEOUT = 60
REFRESHED = "access token refreshed"


def bearer(token):
    """An Authorization header."""
    return {"Authorization": f"Bearer {token}"}


def page_csrf(client):
    """The CSRF token of a logged-in page."""
    return csrf_from(client.get("/open-productions").get_data(as_text=True))


@pytest.fixture(scope="module")
def picture(zou_stack):
    """A PNG preview uploaded to a task of the proxy tests' production."""
    task = proxy_task(zou_stack)
    comment = zou_stack.post(
        f"/actions/tasks/{task['id']}/comment",
        json={"task_status_id": task["task_status_id"],
              "comment": "proxy test picture"},
    ).json()
    preview = zou_stack.post(
        f"/actions/tasks/{task['id']}/comments/{comment['id']}/add-preview",
        json={},
    ).json()
    data = png_bytes(160, 160, noise=True)
    upload = zou_stack.post(
        f"/pictures/preview-files/{preview['id']}",
        files={"file": ("picture.png", data, "image/png")},
        timeout=120,
    )
    assert upload.status_code == 201, upload.text
    stored = zou_stack.get(
        f"/pictures/originals/preview-files/{preview['id']}.png")
    assert stored.status_code == 200 and len(stored.content) > 4096
    return {"id": preview["id"], "task": task, "comment": comment,
            "size": len(stored.content), "bytes": stored.content}


# Forwarding


def test_path_and_query_reach_zou_without_the_prefix(client, zou_stack):
    """/api/data/projects?name=X is Zou's /data/projects?name=X."""
    name = zou_stack.projects["short"]["name"]
    answer = client.get(f"/api/data/projects?name={name}",
                        headers=bearer(zou_stack.admin_token()))
    assert answer.status_code == 200
    assert [p["name"] for p in answer.get_json()] == [name]
    root = client.get("/api")
    assert root.get_json()["api"] == "Zou"
    assert client.get("/api/").get_json()["api"] == "Zou"


def test_zou_errors_come_back_as_they_are(client, zou_stack):
    """Zou's own status and body, a 404 included."""
    answer = client.get("/api/data/no-such-route",
                        headers=bearer(zou_stack.admin_token()))
    assert answer.status_code == 404
    assert answer.get_json()["error"] is True
    denied = client.get("/api/data/projects")
    assert denied.status_code == 401
    assert "Missing JWT" in denied.get_json()["msg"]


def test_api_answers_are_sandboxed(client, zou_stack):
    """Zou's content never runs script with kitsu-web's origin."""
    answer = client.get("/api/data/projects",
                        headers=bearer(zou_stack.admin_token()))
    assert answer.headers["Content-Security-Policy"].startswith("sandbox")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/api/data/../auth/logout",
    "/api/data/%2e%2e/auth/logout",
    "/api/data/%252e%252e/auth/logout",
    "/api/data%2fprojects",
    "/api/data%2Fprojects",
    "/api/data%5cprojects",
    "/api/data/%252fx",
    "/api//127.0.0.1/data/projects",
    "/api/http://127.0.0.1/data/projects",
    "/api/data/projects/%00",
])
def test_escaping_paths_are_refused(client, zou_stack, path):
    """Dot segments, encoded slashes and absolute URLs → 400."""
    answer = client.get(path, headers=bearer(zou_stack.admin_token()))
    assert answer.status_code == 400
    assert answer.get_json()["message"] == "This path is not allowed."


def test_absolute_form_request_target_is_refused(live_server):
    """``GET http://host/api/... HTTP/1.1`` never reaches Zou."""
    host, port = live_server.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"GET http://127.0.0.1:1/api/data/projects HTTP/1.1\r\n"
            b"Host: 127.0.0.1:1\r\nConnection: close\r\n\r\n"
        )
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.split(b"\r\n", 1)[0].split(b" ")[1] == b"400"


def test_upload_over_the_limit_is_refused_before_reading(app_settings,
                                                         zou_stack):
    """Content-Length over the limit → 413."""
    app = create_app(**{**app_settings, "max_upload_bytes": 1000})
    client = app.test_client()
    answer = client.post("/api/auth/login", data=b"x" * 2000,
                         content_type="application/json")
    assert answer.status_code == 413
    small = client.post(
        "/api/auth/login",
        data=json.dumps({"email": "x@example.com", "password": "nope"}),
        content_type="application/json",
    )
    assert small.status_code == 400


# Credentials


def test_caller_bearer_goes_through_unchanged(client, auth, zou_stack):
    """gazu-style callers keep their own identity, even with a session."""
    auth.login("artist1")
    answer = client.get("/api/auth/authenticated",
                        headers={**bearer(zou_stack.admin_token()),
                                 "X-CSRFToken": page_csrf(client)})
    assert answer.status_code == 200
    assert answer.get_json()["user"]["email"] == (
        zou_stack.users["admin"]["email"])


def test_browser_cookies_are_never_forwarded(client, zou_stack):
    """Even a Zou token cookie in the browser is not passed to Zou."""
    client.set_cookie("access_token_cookie", zou_stack.admin_token())
    answer = client.get("/api/auth/authenticated")
    assert answer.status_code == 401


def test_session_token_only_for_media_or_with_the_csrf_header(
    client, auth, zou_stack, picture
):
    """Cookie alone: media yes, data no; a valid CSRF header: yes."""
    auth.login("admin")
    plain = client.get("/api/data/projects/open")
    assert plain.status_code == 401
    media = client.get(
        f"/api/pictures/originals/preview-files/{picture['id']}.png")
    assert media.status_code == 200
    assert media.data == picture["bytes"]
    with_header = client.get("/api/data/projects/open",
                             headers={"X-CSRFToken": page_csrf(client)})
    assert with_header.status_code == 200
    bad = client.get("/api/data/projects/open",
                     headers={"X-CSRFToken": "forged"})
    assert bad.status_code == 400
    # A media path written another way is not media.
    post = client.post(
        f"/api/pictures/preview-files/{picture['id']}", data=b"x")
    assert post.status_code == 401
    assert client.get("/open-productions").status_code == 200


def test_cross_site_get_to_logout_does_not_log_out(client, app, auth,
                                                   zou_stack):
    """Case 7: GET /api/auth/logout with only the cookie is harmless."""
    auth.login("artist1")
    token = session_store(app, client).get()["access"]
    answer = client.get("/api/auth/logout",
                        headers={"Sec-Fetch-Site": "cross-site",
                                 "Referer": "http://evil.example/"})
    assert answer.status_code == 401
    assert client.get("/open-productions").status_code == 200
    still = requests.get(f"{zou_stack.api_url}/auth/authenticated",
                         headers=bearer(token), timeout=HTTP_TIMEOUT)
    assert still.status_code == 200


def test_logout_through_the_api_ends_the_session(client, app, auth):
    """The page's own script logging out (CSRF header) ends it here too."""
    auth.login("artist1")
    answer = client.get("/api/auth/logout",
                        headers={"X-CSRFToken": page_csrf(client)})
    assert answer.status_code == 200
    assert session_store(app, client).get() is None
    assert client.get("/open-productions").status_code == 302


def test_session_401_is_json_and_ends_the_session(client, app, auth,
                                                  zou_stack):
    """A revoked session token: JSON 401, and the session is over."""
    auth.login("artist1")
    csrf = page_csrf(client)
    store = session_store(app, client)
    requests.get(f"{zou_stack.api_url}/auth/logout",
                 headers=bearer(store.get()["access"]), timeout=HTTP_TIMEOUT)
    answer = client.get("/api/data/projects/open",
                        headers={"X-CSRFToken": csrf})
    assert answer.status_code == 401
    assert answer.get_json() == {"error": True,
                                 "message": "Not authenticated."}
    assert store.get() is None


def test_expired_session_token_is_refreshed_and_replayed(
    client, app, auth, zou_stack, caplog
):
    """A GET without body is replayed once after the refresh."""
    auth.login("artist1")
    csrf = page_csrf(client)
    store = session_store(app, client)
    tokens = store.get()
    store.put(mint_token(zou_stack, tokens["access"], -60),
              tokens["refresh"], tokens["user_id"])
    caplog.set_level(logging.INFO, logger="kitsu_web.zou.client")
    answer = client.get("/api/data/projects/open",
                        headers={"X-CSRFToken": csrf})
    assert answer.status_code == 200
    assert [r.getMessage() for r in caplog.records].count(REFRESHED) == 1


def test_streamed_body_refreshes_first_when_close_to_expiry(
    client, app, auth, zou_stack, caplog
):
    """An upload is never replayed: the token is refreshed before it."""
    auth.login("artist1")
    csrf = page_csrf(client)
    store = session_store(app, client)
    tokens = store.get()
    soon = mint_token(zou_stack, tokens["access"], 60)
    store.put(soon, tokens["refresh"], tokens["user_id"])
    caplog.set_level(logging.INFO, logger="kitsu_web.zou.client")
    body = json.dumps({"list_type": "asset", "name": "proxy-test",
                       "query": "x", "entity_type": "Asset",
                       "project_id": zou_stack.projects["short"]["id"]})
    answer = client.post("/api/data/user/filters", data=body,
                         content_type="application/json",
                         headers={"X-CSRFToken": csrf})
    assert answer.status_code == 201, answer.data
    assert [r.getMessage() for r in caplog.records].count(REFRESHED) == 1
    assert store.get()["access"] != soon
    removed = client.delete(
        f"/api/data/user/filters/{answer.get_json()['id']}",
        headers={"X-CSRFToken": csrf})
    assert removed.status_code == 204


def login_logs_of(stack, person_id):
    """Zou's recorded login addresses of one person, newest first."""
    logs = stack.get("/data/events/login-logs/last",
                     params={"person_ids": person_id}).json()
    return [entry["ip_address"] for entry in logs]


def test_client_address_is_set_not_appended(app_settings, zou_stack):
    """X-Real-IP / X-Forwarded-For come from the address kitsu-web sees."""
    person = create_person(zou_stack)
    body = {"email": person["email"], "password": person["password"]}
    direct = create_app(**app_settings).test_client()
    answer = direct.post("/api/auth/login", json=body,
                         environ_base={"REMOTE_ADDR": "10.1.2.3"},
                         headers={"X-Real-IP": "6.6.6.6",
                                  "X-Forwarded-For": "6.6.6.6"})
    assert answer.status_code == 200
    assert answer.headers.get("Set-Cookie") is None
    assert login_logs_of(zou_stack, person["id"])[0] == "10.1.2.3"

    proxied = create_app(**{**app_settings, "trusted_proxies": 1})
    answer = proxied.test_client().post(
        "/api/auth/login", json=body,
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
        headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.7",
                 "X-Real-IP": "6.6.6.6"})
    assert answer.status_code == 200
    assert login_logs_of(zou_stack, person["id"])[0] == "203.0.113.7"


class EchoUpstream(BaseHTTPRequestHandler):
    """A misbehaving upstream: sets cookies and hop-by-hop headers."""

    seen = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        """Answer with headers a proxy must not relay."""
        EchoUpstream.seen.append(dict(self.headers.items()))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "access_token_cookie=leak; Path=/")
        self.send_header("Connection", "close, X-Hop")
        self.send_header("Keep-Alive", "timeout=5")
        self.send_header("X-Kept", "yes")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet."""


def test_hop_by_hop_and_cookies_are_dropped_both_ways(app_settings):
    """Set-Cookie and hop-by-hop never pass; Cookie never goes up."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoUpstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app = create_app(**{**app_settings,
                            "api_target":
                            f"http://127.0.0.1:{server.server_port}"})
        client = app.test_client()
        client.set_cookie("kitsu_web_session", "whatever")
        answer = client.get(
            "/api/data/x?y=1",
            headers={"Authorization": "Bearer abc", "Connection": "X-Hop",
                     "X-Hop": "1", "Keep-Alive": "1", "TE": "trailers",
                     "X-Forwarded-For": "6.6.6.6", "X-Custom": "kept"},
            environ_base={"REMOTE_ADDR": "10.1.2.3"})
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
    assert "Keep-Alive" not in answer.headers
    assert answer.headers["X-Kept"] == "yes"
    seen = {k.lower(): v for k, v in EchoUpstream.seen[-1].items()}
    assert "cookie" not in seen
    assert "x-hop" not in seen and "keep-alive" not in seen
    assert "te" not in seen
    assert seen["authorization"] == "Bearer abc"
    assert seen["x-forwarded-for"] == "10.1.2.3"
    assert seen["x-real-ip"] == "10.1.2.3"
    assert seen["x-custom"] == "kept"
    assert seen["user-agent"] == "kitsu-web"


# Media


def test_range_request_on_a_picture(client, auth, picture):
    """Case 6: Range: bytes=0-1023 → 206 with the right Content-Range."""
    auth.login("admin")
    url = f"/api/pictures/originals/preview-files/{picture['id']}.png"
    answer = client.get(url, headers={"Range": "bytes=0-1023"})
    assert answer.status_code == 206
    assert answer.headers["Content-Range"] == (
        f"bytes 0-1023/{picture['size']}")
    assert answer.headers["Content-Length"] == "1024"
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.data == picture["bytes"][:1024]


def test_head_etag_and_disposition_are_preserved(client, auth, picture):
    """HEAD, If-None-Match → 304, Content-Disposition on downloads."""
    auth.login("admin")
    url = f"/api/pictures/originals/preview-files/{picture['id']}.png"
    head = client.head(url)
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(picture["size"])
    assert head.data == b""
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    download = client.get(
        f"/api/pictures/originals/preview-files/{picture['id']}/download")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]


# gazu and big uploads, through the live server


def test_gazu_through_the_api(live_server, zou_stack, tmp_path):
    """Case 5: gazu with its host at kitsu-web's /api."""
    import gazu

    user = zou_stack.users["admin"]
    client = gazu.client.create_client(f"{live_server.url}/api")
    gazu.log_in(user["email"], user["password"], client=client)
    names = [p["name"] for p in gazu.project.all_projects(client=client)]
    assert zou_stack.projects["short"]["name"] in names

    task = gazu.task.get_task(proxy_task(zou_stack)["id"], client=client)
    status = gazu.task.get_task_status(task["task_status_id"], client=client)
    image = tmp_path / "gazu.png"
    image.write_bytes(png_bytes(96, 96))
    comment, preview = gazu.task.publish_preview(
        task, status, comment="through kitsu-web",
        preview_file_path=str(image), client=client)
    stored = zou_stack.get(f"/data/preview-files/{preview['id']}").json()
    assert stored["extension"] == "png"
    assert stored["task_id"] == task["id"]
    original = zou_stack.get(
        f"/pictures/originals/preview-files/{preview['id']}.png")
    assert original.status_code == 200
    assert original.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert original.content[16:24] == struct.pack(">II", 96, 96)


def test_300_mb_attachment_arrives_whole(live_server, zou_stack, tmp_path):
    """Case 5: a 300 MB upload through /api arrives whole at Zou."""
    size = 300 * 1024 * 1024
    path = tmp_path / "big.bin"
    with open(path, "wb") as handle:
        block = os.urandom(1024 * 1024)
        for _ in range(size // len(block)):
            handle.write(block)
    task = proxy_task(zou_stack)
    comment = zou_stack.post(
        f"/actions/tasks/{task['id']}/comment",
        json={"task_status_id": task["task_status_id"],
              "comment": "big attachment"},
    ).json()
    handle = open(path, "rb")
    body = MultipartBody(files=[
        ("file", "big.bin", handle, size, "application/octet-stream"),
    ])
    try:
        answer = requests.post(
            f"{live_server.url}/api/actions/tasks/{task['id']}/comments/"
            f"{comment['id']}/add-attachment",
            data=body,
            headers={**bearer(zou_stack.admin_token()),
                     "Content-Type": body.content_type},
            timeout=600,
        )
        assert answer.status_code == 201, answer.text[:500]
        attachment = answer.json()[0]
        stored = zou_stack.get(
            f"/data/attachment-files/{attachment['id']}").json()
        assert stored["size"] == size
    finally:
        handle.close()
        path.unlink()
        comment_url = (f"{zou_stack.api_url}/data/tasks/{task['id']}/"
                       f"comments/{comment['id']}")
        for attached in zou_stack.get(
                f"/data/comments/{comment['id']}").json().get(
                    "attachment_files", []):
            requests.delete(
                f"{comment_url}/attachments/{attached['id']}",
                headers=bearer(zou_stack.admin_token()),
                timeout=HTTP_TIMEOUT)


def test_chunked_upload_is_streamed(live_server, zou_stack):
    """A body without Content-Length still reaches Zou."""
    user = zou_stack.users["artist1"]
    payload = json.dumps({"email": user["email"],
                          "password": user["password"]}).encode()
    answer = requests.post(
        f"{live_server.url}/api/auth/login",
        data=iter([payload[:10], payload[10:]]),
        headers={"Content-Type": "application/json"},
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    assert "access_token" in answer.json()
