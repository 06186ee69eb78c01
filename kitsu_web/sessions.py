"""Server-side sessions and the store that keeps each session's Zou tokens.

The browser holds only Flask-Session's opaque cookie. Zou's tokens live
under a key of their own (``session["zk"]``), apart from the session blob,
so a request that saves an older copy of the session can never overwrite a
token that a concurrent request has just refreshed.
"""

import json
import logging
import os
import secrets
import threading
import time
from contextlib import contextmanager

from cachelib import FileSystemCache
from flask import current_app, g, has_request_context, session
from redis.exceptions import LockError

log = logging.getLogger(__name__)

TOKEN_TTL = 15 * 24 * 3600  # Zou's refresh tokens live 15 days.
USER_TTL = 30  # Seconds a user read from /auth/authenticated is reused.


class RedisBackend:
    """Key-value storage and locks on kitsu-web's own Redis database."""

    def __init__(self, redis_client, prefix="kitsu-web:"):
        self.redis = redis_client
        self.prefix = prefix

    def get(self, key):
        """Read a JSON value."""
        raw = self.redis.get(self.prefix + key)
        return json.loads(raw) if raw else None

    def set(self, key, value, ttl):
        """Write a JSON value that expires after ``ttl`` seconds."""
        self.redis.set(self.prefix + key, json.dumps(value), ex=ttl)

    def delete(self, key):
        """Remove a value; True when it existed."""
        return bool(self.redis.delete(self.prefix + key))

    def incr(self, key, ttl):
        """Count up a counter that expires ``ttl`` s after its first hit."""
        name = self.prefix + key
        pipe = self.redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, ttl, nx=True)
        return pipe.execute()[0]

    @contextmanager
    def lock(self, key, hold=30, wait=35):
        """A lock shared by every kitsu-web process.

        It frees itself after ``hold`` seconds should its holder die; a
        request that waits more than ``wait`` seconds for it gets
        ``TimeoutError``. A lock lost while held (expired, Redis restarted)
        is logged, never turned into an error of the request.
        """
        lock = self.redis.lock(
            self.prefix + "lock:" + key, timeout=hold, blocking_timeout=wait
        )
        if not lock.acquire():
            raise TimeoutError(f"lock {key} still held after {wait} s")
        try:
            yield
        finally:
            try:
                lock.release()
            except LockError:
                log.warning("lock %s was lost before its release", key)


class LocalBackend:
    """Files on disk and in-process locks, for a single-process demo."""

    def __init__(self, directory):
        self.cache = FileSystemCache(directory, threshold=5000, mode=0o600)
        self._locks = {}
        self._guard = threading.Lock()
        self._counters = {}

    def get(self, key):
        """Read a value."""
        return self.cache.get(key)

    def set(self, key, value, ttl):
        """Write a value that expires after ``ttl`` seconds."""
        self.cache.set(key, value, timeout=ttl)

    def delete(self, key):
        """Remove a value; True when it existed."""
        return bool(self.cache.delete(key))

    def incr(self, key, ttl):
        """Count up an in-process counter."""
        with self._guard:
            now = time.monotonic()
            count, start = self._counters.get(key, (0, now))
            if now - start > ttl:
                count, start = 0, now
            self._counters[key] = (count + 1, start)
            return count + 1

    @contextmanager
    def lock(self, key, hold=30, wait=35):
        """A lock shared by the requests of this process.

        ``hold`` is unused (a lock of this process dies with it); waiting
        more than ``wait`` seconds raises ``TimeoutError``.
        """
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(timeout=wait):
            raise TimeoutError(f"lock {key} still held after {wait} s")
        try:
            yield
        finally:
            lock.release()


def init_app(app, settings):
    """Configure Flask-Session and the token backend for ``app``."""
    from flask_session import Session

    app.config.update(
        SESSION_PERMANENT=True,
        PERMANENT_SESSION_LIFETIME=TOKEN_TTL,
        SESSION_COOKIE_NAME="kitsu_web_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies
        or settings.public_url.startswith("https://"),
        SESSION_KEY_PREFIX="kitsu-web:session:",
        # Saved only when changed: a request still running with an old copy
        # never writes it back over a login or logout.
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    if settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=client)
        backend = RedisBackend(client)
    else:
        directory = settings.session_dir or os.path.join(
            app.instance_path, "sessions"
        )
        os.makedirs(directory, mode=0o700, exist_ok=True)
        cache = FileSystemCache(directory, threshold=5000, mode=0o600)
        app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=cache)
        backend = LocalBackend(os.path.join(directory, "tokens"))
    app.extensions["kitsu_store"] = backend
    Session(app)


def store():
    """The app's key-value backend (Redis or local files)."""
    return current_app.extensions["kitsu_store"]


class TokenStore:
    """The Zou tokens of one browser session."""

    def __init__(self, backend, key):
        self.backend = backend
        self.key = key

    def _name(self, kind="tokens"):
        return f"{kind}:{self.key}"

    def get(self):
        """``{"access", "refresh", "user_id"}`` or None when logged out."""
        if not self.key:
            return None
        return self.backend.get(self._name())

    def put(self, access, refresh, user_id):
        """Keep a fresh login's tokens."""
        value = {"access": access, "refresh": refresh, "user_id": user_id}
        self.backend.set(self._name(), value, TOKEN_TTL)

    def update_access(self, access):
        """Replace the access token after a refresh."""
        tokens = self.get()
        if tokens:
            tokens["access"] = access
            self.backend.set(self._name(), tokens, TOKEN_TTL)

    def delete(self):
        """Forget the tokens and the cached user; True if they existed.

        Among concurrent requests that find the session over, exactly one
        removes the tokens: that request ends the browser session.
        """
        if not self.key:
            return False
        removed = self.backend.delete(self._name())
        self.backend.delete(self._name("user"))
        if removed and has_request_context():
            g.kitsu_tokens_dropped = True
        return removed

    def cached_user(self):
        """The user read from Zou a few seconds ago, if any."""
        return self.backend.get(self._name("user")) if self.key else None

    def cache_user(self, user):
        """Keep the user read from Zou for a few seconds."""
        if self.key:
            self.backend.set(self._name("user"), user, USER_TTL)

    def note_refresh_failed(self, seconds):
        """Remember for a few seconds that Zou did not answer a refresh."""
        if self.key:
            self.backend.set(self._name("refresh-failed"), True, seconds)

    def refresh_failed_recently(self):
        """True within a few seconds of a refresh Zou did not answer."""
        if not self.key:
            return False
        return bool(self.backend.get(self._name("refresh-failed")))

    @contextmanager
    def lock(self, hold=30, wait=35):
        """Serialise token refreshes of this session (see the backends)."""
        with self.backend.lock(self._name("refresh"), hold=hold, wait=wait):
            yield


def token_store():
    """The token store of the current browser session."""
    return TokenStore(store(), session.get("zk"))


def start_session(access, refresh, user_id):
    """Begin a new logged-in session with a new cookie and token key."""
    old_key = session.get("zk")
    if old_key:
        TokenStore(store(), old_key).delete()
    session.clear()
    session["zk"] = secrets.token_urlsafe(32)
    # Only a non-empty session gets a new id: fill it first.
    current_app.session_interface.regenerate(session)
    token_store().put(access, refresh, user_id)


def end_session(force=False):
    """Forget the tokens, drop the stored session and its cookie.

    Without ``force`` (a Zou refusal), only the request that removed the
    tokens touches the cookie: concurrent requests that learn the same news
    leave it alone, so none of them can delete the cookie of the login page
    the browser is already loading. Logout passes ``force=True``.
    """
    token_store().delete()
    dropped = g.pop("kitsu_tokens_dropped", False)
    if not (force or dropped):
        return
    if session:
        # Deletes the stored copy under the old id and picks a new one.
        current_app.session_interface.regenerate(session)
    session.clear()
