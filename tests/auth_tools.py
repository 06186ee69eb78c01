"""Helpers for the session, login and proxy tests.

Throwaway people, one-time codes (RFC 6238 with the standard library),
tokens minted with the stack's secret, and a look into the token store of
a test client or of the live server's Redis.
"""

import base64
import hashlib
import hmac
import json
import secrets
import socket
import struct
import threading
import time
import zlib

import jwt
import msgspec
import redis
import requests

from kitsu_web.sessions import TokenStore

HTTP_TIMEOUT = 30


def create_person(stack, password=None, **fields):
    """A new person at Zou (as admin); returns its data and password."""
    password = password or "pw-" + secrets.token_hex(8)
    email = f"t3-{secrets.token_hex(5)}@example.com"
    body = {
        "email": email,
        "first_name": "Temp",
        "last_name": email.split("@")[0],
        "password": password,
        "role": "user",
    }
    body.update(fields)
    response = stack.post("/data/persons", json=body)
    assert response.status_code == 201, response.text
    person = response.json()
    person["password"] = password
    return person


PROXY_PRODUCTION = "Proxy Tests"


def proxy_task(stack):
    """A new task in a production of these tests (never a seeded one).

    The production is created once per stack and found by name after; it
    holds the comments, previews and attachments the proxy tests upload.
    """
    projects = stack.get("/data/projects").json()
    project = next(
        (p for p in projects if p["name"] == PROXY_PRODUCTION), None
    )
    if project is None:
        answer = stack.post(
            "/data/projects",
            json={"name": PROXY_PRODUCTION, "production_type": "short"},
        )
        assert answer.status_code == 201, answer.text
        project = answer.json()
    pid = project["id"]
    base = f"/data/projects/{pid}/settings"
    project = stack.get(f"/data/projects/{pid}").json()
    modeling = stack.task_types["Modeling"]
    todo = stack.task_statuses["todo"]
    prop = stack.seed["asset_types"]["Prop"]
    if modeling not in project["task_types"]:
        stack.post(f"{base}/task-types", json={"task_type_id": modeling})
    if todo not in project["task_statuses"]:
        stack.post(f"{base}/task-status", json={"task_status_id": todo})
    if prop not in project["asset_types"]:
        stack.post(f"{base}/asset-types", json={"asset_type_id": prop})
    asset = stack.post(
        f"/data/projects/{pid}/asset-types/{prop}/assets/new",
        json={"name": f"Proxy {secrets.token_hex(3)}", "description": ""},
    ).json()
    tasks = stack.post(
        f"/actions/projects/{pid}/task-types/{modeling}/assets/create-tasks",
        json=[asset["id"]],
    ).json()
    return tasks[0]


def zou_login(stack, email, password, **extra):
    """POST /auth/login straight at Zou; returns the response."""
    return requests.post(
        f"{stack.api_url}/auth/login",
        json={"email": email, "password": password, **extra},
        timeout=HTTP_TIMEOUT,
    )


def totp_code(secret, at=None, step=30, digits=6):
    """The RFC 6238 code of a base32 secret at time ``at``."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def enable_totp(stack, email, password):
    """Turn TOTP on for a person through Zou's routes; returns the secret."""
    token = zou_login(stack, email, password).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    pre = requests.put(
        f"{stack.api_url}/auth/totp", headers=headers, timeout=HTTP_TIMEOUT
    )
    assert pre.status_code == 200, pre.text
    secret = pre.json()["otp_secret"]
    done = requests.post(
        f"{stack.api_url}/auth/totp",
        headers=headers,
        json={"totp": totp_code(secret)},
        timeout=HTTP_TIMEOUT,
    )
    assert done.status_code == 200, done.text
    return secret


def claims_of(token):
    """A JWT's claims, unverified."""
    return jwt.decode(token, options={"verify_signature": False})


def mint_token(stack, model_token, expires_in):
    """A copy of ``model_token`` (same jti, refresh_jti…) with a new expiry.

    Signed with the stack's secret, so Zou takes it for its own.
    """
    claims = claims_of(model_token)
    now = int(time.time())
    claims["exp"] = now + expires_in
    claims["iat"] = min(claims.get("iat", now), claims["exp"] - 60)
    claims["nbf"] = claims["iat"]
    return jwt.encode(claims, stack.secret_key, algorithm="HS256")


def session_store(app, client):
    """The TokenStore behind a Flask test client's session."""
    with client.session_transaction() as sess:
        key = sess.get("zk")
    return TokenStore(app.extensions["kitsu_store"], key)


def stack_redis(stack, db):
    """A client on one database of the stack's Redis."""
    return redis.Redis(
        host="127.0.0.1", port=stack.redis_port, db=db, socket_timeout=10
    )


class LiveTokens:
    """The token store of a live-server session, read in its Redis DB 5."""

    def __init__(self, stack, sid):
        self.redis = stack_redis(stack, 5)
        blob = self.redis.get(f"kitsu-web:session:{sid}")
        assert blob, "no stored session for this cookie"
        self.key = msgspec.msgpack.decode(blob)["zk"]

    def get(self):
        """The stored tokens."""
        raw = self.redis.get(f"kitsu-web:tokens:{self.key}")
        return json.loads(raw) if raw else None

    def put_access(self, access):
        """Replace the stored access token."""
        tokens = self.get()
        tokens["access"] = access
        self.redis.set(
            f"kitsu-web:tokens:{self.key}", json.dumps(tokens), ex=3600
        )

    def drop_user_cache(self):
        """Forget the user cached for 30 s, so the next page asks Zou."""
        self.redis.delete(f"kitsu-web:user:{self.key}")


def live_login(live_server, stack, who):
    """A requests session logged in to the live server."""
    import re

    http = requests.Session()
    page = http.get(f"{live_server.url}/login", timeout=HTTP_TIMEOUT)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    user = stack.users[who]
    answer = http.post(
        f"{live_server.url}/login",
        data={
            "email": user["email"],
            "password": user["password"],
            "csrf_token": token.group(1),
        },
        allow_redirects=False,
        timeout=HTTP_TIMEOUT,
    )
    assert answer.status_code == 303, answer.text
    return http


def png_bytes(width=64, height=64, noise=False):
    """A valid RGB PNG made with zlib and struct."""
    rows = []
    for y in range(height):
        if noise:
            row = secrets.token_bytes(width * 3)
        else:
            row = b"".join(
                bytes((x * 4 % 256, y * 4 % 256, 128)) for x in range(width)
            )
        rows.append(b"\x00" + row)
    raw = b"".join(rows)

    def chunk(kind, data):
        body = kind + data
        return (
            struct.pack(">I", len(data))
            + body
            + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


class HangingServer:
    """A loopback server that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections.append(conn)

    def close(self):
        """Stop accepting and drop every connection."""
        self._stop.set()
        self.thread.join(2)
        for conn in self.connections:
            conn.close()
        self.sock.close()
