"""The user's context: libraries (task types, statuses, people) at once.

``GET /data/user/context`` is what Kitsu loads at start-up. Here it is read
once per request, and a browser session reuses it for a few seconds: it is
the costliest call of most pages. Any event that may change it (a team, a
library, a person) makes every session read it again (``forget_all``).
"""

import time

from flask import g, has_request_context, session

from .client import SessionAuth

CONTEXT_TTL = 15  # Seconds a browser session reuses its context.
CHANGED_KEY = "context:changed-at"
# Event kinds after which cached contexts are dropped.
CONTEXT_KINDS = (
    "project", "task-status", "task-type", "asset-type", "person",
    "department", "organisation", "studio", "metadata-descriptor",
)


def _backend():
    from ..sessions import store

    return store()


def _session_key(caller):
    """The cache key of this browser session, or None (bots, scripts)."""
    if not has_request_context() or not isinstance(caller.auth, SessionAuth):
        return None
    zk = session.get("zk")
    return f"context:{zk}" if zk else None


def _cached(key):
    """The session's context if it is young and nothing changed since."""
    entry = _backend().get(key)
    if not entry:
        return None
    changed = _backend().get(CHANGED_KEY) or 0
    fresh = time.time() - entry["at"] < CONTEXT_TTL
    return entry["context"] if fresh and entry["at"] > changed else None


def get_user_context(caller):
    """The user's context: once per request, reused briefly per session."""
    if has_request_context() and "zou_user_context" in g:
        return g.zou_user_context
    key = _session_key(caller)
    context = _cached(key) if key else None
    if context is None:
        fetched_at = time.time()
        context = caller.get("/data/user/context")
        if key:
            _backend().set(key, {"at": fetched_at, "context": context},
                           CONTEXT_TTL)
    if has_request_context():
        g.zou_user_context = context
    return context


def forget_all():
    """Make every session read its context from Zou again."""
    _backend().set(CHANGED_KEY, time.time(), 24 * 3600)


def changes_context(event_name):
    """True for Zou events after which cached contexts are stale."""
    return event_name.split(":", 1)[0] in CONTEXT_KINDS


def by_id(rows):
    """Index a list of Zou rows by id."""
    return {row["id"]: row for row in rows or []}


def get_task_statuses(caller):
    """Task statuses by id."""
    return by_id(get_user_context(caller).get("task_status"))


def get_task_types(caller):
    """Task types by id."""
    return by_id(get_user_context(caller).get("task_types"))


def get_persons(caller):
    """People by id (as far as the user may see them)."""
    return by_id(get_user_context(caller).get("persons"))


def get_open_projects(caller):
    """Open productions of the user, by id, from the context."""
    return by_id(get_user_context(caller).get("projects"))
