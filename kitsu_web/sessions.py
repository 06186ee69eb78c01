"""Server-side sessions and the store that keeps each session's Zou tokens.

The browser holds only Flask-Session's opaque cookie. Zou's tokens live
under a key of their own (``session["zk"]``), apart from the session blob,
so a request that saves an older copy of the session can never overwrite a
token that a concurrent request has just refreshed.
"""

import json
import os
import secrets
import threading
from contextlib import contextmanager

from cachelib import FileSystemCache
from flask import current_app, session

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
        """Remove a value."""
        self.redis.delete(self.prefix + key)

    def incr(self, key, ttl):
        """Count up a counter that expires ``ttl`` s after its first hit."""
        name = self.prefix + key
        pipe = self.redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, ttl, nx=True)
        return pipe.execute()[0]

    def lock(self, key, timeout=30):
        """A lock shared by every kitsu-web process."""
        return self.redis.lock(
            self.prefix + "lock:" + key,
            timeout=timeout,
            blocking_timeout=timeout + 5,
        )


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
        """Remove a value."""
        self.cache.delete(key)

    def incr(self, key, ttl):
        """Count up an in-process counter."""
        import time

        with self._guard:
            now = time.monotonic()
            count, start = self._counters.get(key, (0, now))
            if now - start > ttl:
                count, start = 0, now
            self._counters[key] = (count + 1, start)
            return count + 1

    def lock(self, key, timeout=30):
        """A lock shared by the requests of this process."""
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


def init_app(app, settings):
    """Configure Flask-Session and the token backend for ``app``."""
    from flask_session import Session

    app.config.update(
        SESSION_PERMANENT=True,
        PERMANENT_SESSION_LIFETIME=TOKEN_TTL,
        SESSION_COOKIE_NAME="kitsu_web_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_KEY_PREFIX="kitsu-web:session:",
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
        """Forget the tokens and the cached user."""
        if self.key:
            self.backend.delete(self._name())
            self.backend.delete(self._name("user"))

    def cached_user(self):
        """The user read from Zou a few seconds ago, if any."""
        return self.backend.get(self._name("user")) if self.key else None

    def cache_user(self, user):
        """Keep the user read from Zou for a few seconds."""
        if self.key:
            self.backend.set(self._name("user"), user, USER_TTL)

    @contextmanager
    def lock(self):
        """Serialise token refreshes of this session."""
        with self.backend.lock(self._name("refresh")):
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
    current_app.session_interface.regenerate(session)
    session["zk"] = secrets.token_urlsafe(32)
    token_store().put(access, refresh, user_id)


def end_session():
    """Forget the tokens, empty the session and rotate its cookie."""
    token_store().delete()
    session.clear()
    current_app.session_interface.regenerate(session)
