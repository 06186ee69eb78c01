"""Contract: the Zou behaviours kitsu-web relies on, checked on a real Zou.

Each test names one assumption of the client code (routes at the root,
login answer, token failure shapes, refresh, list shapes, conditional
requests, event names and payloads, replay rights). When Zou is upgraded,
this module says which assumptions still hold.
"""

import threading
import time

import jwt
import pytest
import requests
import socketio

ZOU_VERSION = "1.0.97"
TIMEOUT = 30
EVENT_WAIT = 15


def bearer(token):
    """Return an Authorization header for token."""
    return {"Authorization": f"Bearer {token}"}


def get(zou_stack, path, token=None, **kwargs):
    """GET a Zou path with an optional bearer token."""
    headers = kwargs.pop("headers", {})
    if token:
        headers.update(bearer(token))
    return requests.get(
        zou_stack.api_url + path, headers=headers, timeout=TIMEOUT, **kwargs
    )


# ------------------------------------------------------------- routes


def test_routes_are_served_at_the_root(zou_stack):
    """GET / names Zou and its version; nothing lives under /api."""
    root = get(zou_stack, "/")
    assert root.status_code == 200
    assert root.json()["api"] == "Zou"
    assert root.json()["version"] == ZOU_VERSION

    prefixed = get(zou_stack, "/api/data/projects", zou_stack.admin_token())
    assert prefixed.status_code == 404
    assert prefixed.json()["error"] is True
    assert prefixed.json()["message"].startswith("404 Not Found")


def test_status_reports_the_services(zou_stack):
    """GET /status needs no auth and reports database, Redis and stream."""
    status = get(zou_stack, "/status").json()
    assert status["version"] == ZOU_VERSION
    assert status["database-up"] is True
    assert status["key-value-store-up"] is True
    assert status["event-stream-up"] is True


# ------------------------------------------------------ authentication


def test_login_answer_fields(zou_stack):
    """Login answers user, organisation and both tokens, no cookie."""
    response = requests.post(
        f"{zou_stack.api_url}/auth/login",
        json={
            "email": zou_stack.users["artist1"]["email"],
            "password": zou_stack.users["artist1"]["password"],
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["login"] is True
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["id"] == zou_stack.users["artist1"]["id"]
    assert body["user"]["role"] == "user"
    for field in ("email", "full_name", "active", "timezone", "locale"):
        assert field in body["user"]
    assert "hours_by_day" in body["organisation"]
    # A non-browser User-Agent gets the tokens in the JSON only.
    assert "Set-Cookie" not in response.headers

    claims = jwt.decode(
        body["access_token"], zou_stack.secret_key, algorithms=["HS256"]
    )
    assert claims["type"] == "access"
    assert claims["sub"] == zou_stack.users["artist1"]["id"]
    assert claims["identity_type"] == "person"
    assert claims["exp"] - claims["iat"] == 7 * 24 * 3600


def test_bad_credentials_answer_400(zou_stack):
    """A wrong password gives 400 login false (one failure only)."""
    response = requests.post(
        f"{zou_stack.api_url}/auth/login",
        json={"email": zou_stack.users["client"]["email"], "password": "x"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["login"] is False


def test_authenticated_route(zou_stack):
    """GET /auth/authenticated is the cheap session check."""
    response = get(zou_stack, "/auth/authenticated", zou_stack.admin_token())
    assert response.status_code == 200
    body = response.json()
    assert body["authenticated"] is True
    assert body["user"]["role"] == "admin"
    assert "organisation" in body


def test_missing_token_is_401_msg(zou_stack):
    """No token: 401 with a JWT-library msg."""
    response = get(zou_stack, "/data/projects")
    assert response.status_code == 401
    assert response.json()["msg"].startswith("Missing JWT")


def test_expired_token_is_401_signature_expired(zou_stack):
    """An expired access token: 401 error/message 'Signature has expired'."""
    claims = jwt.decode(
        zou_stack.admin_token(), zou_stack.secret_key, algorithms=["HS256"]
    )
    now = int(time.time())
    claims.update(iat=now - 7200, nbf=now - 7200, exp=now - 3600)
    expired = jwt.encode(claims, zou_stack.secret_key, algorithm="HS256")
    response = get(zou_stack, "/data/projects", expired)
    assert response.status_code == 401
    assert response.json() == {
        "error": True,
        "message": "Signature has expired",
    }


def test_revoked_token_after_logout_is_401(zou_stack):
    """Logout revokes the access token and its refresh token."""
    login = zou_stack.fresh_login("manager")
    access, refresh = login["access_token"], login["refresh_token"]
    assert get(zou_stack, "/data/projects", access).status_code == 200
    logout = get(zou_stack, "/auth/logout", access)
    assert logout.status_code == 200
    assert logout.json()["logout"] is True

    response = get(zou_stack, "/data/projects", access)
    assert response.status_code == 401
    assert response.json()["msg"] == "Token has been revoked"
    refreshed = get(zou_stack, "/auth/refresh-token", refresh)
    assert refreshed.status_code == 401
    assert refreshed.json()["msg"] == "Token has been revoked"


def test_malformed_and_forged_tokens_are_422(zou_stack):
    """A malformed or wrongly signed token: 422 with a msg."""
    malformed = get(zou_stack, "/data/projects", "abc.def.ghi")
    assert malformed.status_code == 422
    assert malformed.json()["msg"].startswith("Invalid header string")

    claims = jwt.decode(
        zou_stack.admin_token(), zou_stack.secret_key, algorithms=["HS256"]
    )
    forged = jwt.encode(claims, "not-the-key" * 4, algorithm="HS256")
    response = get(zou_stack, "/data/projects", forged)
    assert response.status_code == 422
    assert response.json()["msg"] == "Signature verification failed"


def test_wrong_token_type_is_422(zou_stack):
    """Refresh token on a data route, access token on the refresh route."""
    login = zou_stack.fresh_login("supervisor")
    data = get(zou_stack, "/data/projects", login["refresh_token"])
    assert data.status_code == 422
    assert data.json()["msg"] == "Only non-refresh tokens are allowed"
    refresh = get(zou_stack, "/auth/refresh-token", login["access_token"])
    assert refresh.status_code == 422
    assert refresh.json()["msg"] == "Only refresh tokens are allowed"


def test_refresh_route_is_get_only(zou_stack):
    """GET /auth/refresh-token gives a new access token; POST is 405."""
    login = zou_stack.fresh_login("vendor")
    response = get(zou_stack, "/auth/refresh-token", login["refresh_token"])
    assert response.status_code == 200
    new_access = response.json()["access_token"]
    assert new_access != login["access_token"]
    assert get(zou_stack, "/auth/authenticated", new_access).ok

    posted = requests.post(
        f"{zou_stack.api_url}/auth/refresh-token",
        headers=bearer(login["refresh_token"]),
        timeout=TIMEOUT,
    )
    assert posted.status_code == 405


# ---------------------------------------------------------------- lists


def test_open_projects_are_enriched_raw_projects_are_not(zou_stack):
    """/data/projects/open carries team and settings, /data/projects not."""
    token = zou_stack.admin_token()
    raw = get(zou_stack, "/data/projects", token).json()
    assert isinstance(raw, list) and raw
    assert "team" not in raw[0]
    opened = get(zou_stack, "/data/projects/open", token).json()
    assert isinstance(opened, list) and opened
    for field in ("team", "task_types", "task_statuses", "asset_types"):
        assert field in opened[0]


def test_with_tasks_lists_are_arrays(zou_stack):
    """with-tasks lists are plain arrays of entities with their tasks."""
    project_id = zou_stack.projects["short"]["id"]
    token = zou_stack.admin_token()
    shots = get(
        zou_stack, "/data/shots/with-tasks",
        token, params={"project_id": project_id},
    ).json()
    assert isinstance(shots, list) and len(shots) == 20
    assert {"sequence_name", "tasks", "id", "name"} <= set(shots[0])
    assets = get(
        zou_stack, "/data/assets/with-tasks",
        token, params={"project_id": project_id},
    ).json()
    assert isinstance(assets, list) and len(assets) == 10
    assert "tasks" in assets[0]


def test_page_parameter_gives_an_envelope(zou_stack):
    """CRUD lists are arrays, and an envelope with ?page=."""
    token = zou_stack.admin_token()
    plain = get(zou_stack, "/data/task-types", token).json()
    assert isinstance(plain, list)
    paged = get(
        zou_stack, "/data/tasks", token, params={"page": 1, "limit": 5}
    ).json()
    assert set(paged) >= {"data", "total", "nb_pages", "limit", "offset",
                          "page"}
    assert len(paged["data"]) == 5
    assert paged["page"] == 1


def test_with_tasks_answers_304_to_its_etag(zou_stack):
    """Project-scoped with-tasks lists carry an ETag and honour it."""
    params = {"project_id": zou_stack.projects["short"]["id"]}
    token = zou_stack.admin_token()
    first = get(zou_stack, "/data/shots/with-tasks", token, params=params)
    etag = first.headers.get("ETag")
    assert etag
    second = get(
        zou_stack, "/data/shots/with-tasks", token, params=params,
        headers={"If-None-Match": etag},
    )
    assert second.status_code == 304
    assert not second.content


# --------------------------------------------------------------- events


class EventRecorder:
    """A python-socketio client on Zou's /events namespace."""

    NAMES = [
        "main:test", "comment:new", "task:update", "task:status-changed",
        "notification:new", "news:new",
    ]

    def __init__(self, url, token):
        self.events = []
        self.changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        for name in self.NAMES:
            self.client.on(name, self._recorder(name), namespace="/events")
        self.client.connect(
            url, namespaces=["/events"], headers=bearer(token),
            wait_timeout=10,
        )

    def _recorder(self, name):
        def record(data=None):
            with self.changed:
                self.events.append((name, data))
                self.changed.notify_all()
        return record

    def wait_for(self, predicate, timeout=EVENT_WAIT):
        """Wait until predicate(events) is true; return it."""
        with self.changed:
            self.changed.wait_for(lambda: predicate(self.events), timeout)
            return predicate(self.events)

    def first(self, name, **match):
        """Return the payload of the first event name matching match."""
        for event_name, data in self.events:
            if event_name == name and all(
                data.get(key) == value for key, value in match.items()
            ):
                return data
        return None


@pytest.fixture()
def events(zou_stack):
    """An event recorder connected (and proven live) before the test."""
    recorder = EventRecorder(zou_stack.event_url, zou_stack.admin_token())
    try:
        assert get(zou_stack, "/status/test-event").json()["success"]
        assert recorder.wait_for(
            lambda evs: any(name == "main:test" for name, _ in evs)
        ), "main:test never reached the socket"
        yield recorder
    finally:
        recorder.client.disconnect()


def todo_task(zou_stack, who="artist1"):
    """Return a Todo task of the short film assigned to who only."""
    project_id = zou_stack.projects["short"]["id"]
    person_id = zou_stack.users[who]["id"]
    tasks = get(
        zou_stack, f"/data/projects/{project_id}/tasks",
        zou_stack.admin_token(),
    ).json()
    return next(
        t for t in tasks
        if t["assignees"] == [person_id]
        and t["task_status_id"] == zou_stack.task_statuses["todo"]
    )


def test_comment_with_status_change_events(zou_stack, events):
    """A comment that changes status emits the documented events."""
    task = todo_task(zou_stack)
    new_status = zou_stack.task_statuses["wip"]
    response = zou_stack.post(
        f"/actions/tasks/{task['id']}/comment",
        json={"task_status_id": new_status, "comment": "contract check"},
    )
    assert response.status_code == 201
    comment = response.json()
    project_id = task["project_id"]
    admin_id = zou_stack.users["admin"]["id"]
    artist_id = zou_stack.users["artist1"]["id"]

    def complete(evs):
        names = {
            name for name, data in evs
            if (data or {}).get("task_id") == task["id"]
            or (data or {}).get("person_id") == artist_id
        }
        return {"comment:new", "task:update", "task:status-changed",
                "notification:new"} <= names

    assert events.wait_for(complete), events.events

    new = events.first("comment:new", comment_id=comment["id"])
    assert new == {
        "comment_id": comment["id"],
        "task_id": task["id"],
        "task_status_id": new_status,
        "person_id": admin_id,
        "project_id": project_id,
        "for_client": False,
    }
    update = events.first("task:update", task_id=task["id"])
    assert update == {"task_id": task["id"], "project_id": project_id}
    changed = events.first("task:status-changed", task_id=task["id"])
    assert changed == {
        "task_id": task["id"],
        "previous_task_status_id": task["task_status_id"],
        "new_task_status_id": new_status,
        "person_id": admin_id,
        "project_id": project_id,
    }
    notification = events.first("notification:new", person_id=artist_id)
    assert set(notification) == {"notification_id", "person_id",
                                 "project_id"}
    assert notification["project_id"] == project_id

    # The event is committed: the artist finds the notification at once.
    mine = get(
        zou_stack, "/data/user/notifications", zou_stack.login("artist1")
    ).json()
    assert notification["notification_id"] in {n["id"] for n in mine}


def test_events_last_needs_manager_rights(zou_stack):
    """GET /data/events/last: 403 for artists, rows for managers/admins."""
    artist = get(zou_stack, "/data/events/last", zou_stack.login("artist1"))
    assert artist.status_code == 403
    assert artist.json()["error"] is True

    manager = get(
        zou_stack, "/data/events/last", zou_stack.login("manager"),
        params={"limit": 5},
    )
    assert manager.status_code == 200
    assert isinstance(manager.json(), list)

    admin = get(
        zou_stack, "/data/events/last", zou_stack.admin_token(),
        params={"limit": 5},
    )
    assert admin.status_code == 200
    rows = admin.json()
    assert 0 < len(rows) <= 5
    assert set(rows[0]) >= {"id", "created_at", "name", "user_id",
                            "project_id", "data"}
    dates = [row["created_at"] for row in rows]
    assert dates == sorted(dates, reverse=True)
