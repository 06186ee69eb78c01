"""The user's context: libraries (task types, statuses, people) at once.

``GET /data/user/context`` is what Kitsu loads at start-up; it is read once
per request here and shared by every view and fragment that needs it.
"""

from flask import g, has_request_context


def get_user_context(caller):
    """The user's context, read once per request."""
    if has_request_context() and "zou_user_context" in g:
        return g.zou_user_context
    context = caller.get("/data/user/context")
    if has_request_context():
        g.zou_user_context = context
    return context


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
