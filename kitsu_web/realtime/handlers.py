"""kitsu-web's Socket.IO namespace ``/events``: who may connect.

A connection needs a logged-in browser session (the server-side session is
shared with HTTP, so Flask-Login's ``current_user`` works here) or a Zou
access token, sent as ``Authorization: Bearer`` or in the Socket.IO auth
payload ``{"token": …}`` as gazu and Zou's own clients do. Tokens are
checked against Zou's ``/auth/authenticated`` and the answer is reused for
a few seconds, so a crowd of listeners with one token costs one call.
Anything else is refused. Clients cannot send events: the namespace only
delivers what the bridge routes (see ``rooms``).
"""

import hashlib
import logging
import threading
import time

from flask import current_app, request
from flask_login import current_user
from flask_socketio import emit, join_room

from .. import zou
from ..extensions import socketio
from ..zou import events as zou_events
from . import rooms
from .bridge import NAMESPACE, STATUS_EVENT

log = logging.getLogger(__name__)

TOKEN_TTL = 30.0  # Seconds a token accepted by Zou is trusted.
REFUSED_TTL = 5.0  # Seconds a refused token is refused without asking.
MAX_CACHED = 10000


class TokenCache:
    """Zou's verdict on tokens, kept briefly, keyed by the token's hash."""

    def __init__(self):
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, key):
        """``(hit, person or None)``."""
        with self._lock:
            entry = self._entries.get(key)
        if entry and entry[0] > time.monotonic():
            return True, entry[1]
        return False, None

    def put(self, key, person, ttl):
        """Remember a verdict for ``ttl`` seconds."""
        with self._lock:
            if len(self._entries) >= MAX_CACHED:
                now = time.monotonic()
                self._entries = {
                    k: v for k, v in self._entries.items() if v[0] > now
                }
            self._entries[key] = (time.monotonic() + ttl, person)


def token_from(auth):
    """The Zou token of the handshake: auth payload, then Bearer header."""
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        return auth["token"].strip() or None
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def person_for_token(token):
    """``{id, role}`` of the token's person, or None when Zou refuses."""
    cache = current_app.extensions["kitsu_socket_tokens"]
    key = hashlib.sha256(token.encode()).hexdigest()
    hit, person = cache.get(key)
    if hit:
        return person
    caller = zou_events.token_caller(current_app.extensions["zou"], token)
    try:
        user = zou_events.get_authenticated_person(caller)
    except (zou.SessionEnded, zou.NotAvailable, zou.ZouRejected):
        cache.put(key, None, REFUSED_TTL)
        return None
    person = {"id": user["id"], "role": user.get("role", "user")}
    cache.put(key, person, TOKEN_TTL)
    return person


def person_for_session():
    """``{id, role}`` of the logged-in browser session, or None."""
    if current_user and current_user.is_authenticated:
        return {"id": current_user.get_id(), "role": current_user.role}
    return None


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth=None):
    """Accept a logged-in session or a valid Zou token; refuse the rest."""
    start_bridge = current_app.extensions.get("kitsu_bridge_start")
    if start_bridge:
        start_bridge()
    token = token_from(auth)
    try:
        person = person_for_token(token) if token else person_for_session()
    except zou.ZouUnavailable:
        log.warning("socket refused: Zou cannot check the token")
        raise ConnectionRefusedError("Zou is unavailable.") from None
    if person is None:
        log.info("socket refused: not authenticated")
        raise ConnectionRefusedError("Not authenticated.")
    for room in rooms.connection_rooms(person):
        join_room(room)
    counter = current_app.extensions["kitsu_socket_count"]
    counter["connected"] += 1
    bridge = current_app.extensions.get("kitsu_bridge")
    emit(STATUS_EVENT, {"state": bridge.state if bridge else "off"})
    return True


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*args):
    """Count the connection out (rooms are left automatically)."""
    counter = current_app.extensions["kitsu_socket_count"]
    counter["connected"] = max(0, counter["connected"] - 1)
