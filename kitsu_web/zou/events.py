"""Zou's event log and what the live-update bridge needs to route events."""

from .client import BearerAuth, ZouCaller

EVENTS_PAGE = 1000  # Zou's largest page of /data/events/last.


def token_caller(client, token):
    """A caller with a fixed token: the bridge's bot, or a socket's."""
    return ZouCaller(client, BearerAuth(token))


def get_authenticated_person(caller):
    """The person behind the caller's token (raises when it is refused)."""
    return caller.get("/auth/authenticated")["user"]


def get_last_events(caller, after, cursor_event_id=None, limit=EVENTS_PAGE):
    """One page of logged events newer than ``after``, newest first.

    ``after`` is a naive UTC ``datetime``; ``cursor_event_id`` asks for the
    events older than that one. Needs a manager or admin token.
    """
    params = {"after": after.strftime("%Y-%m-%dT%H:%M:%S"), "limit": limit}
    if cursor_event_id:
        params["cursor_event_id"] = cursor_event_id
    return caller.get("/data/events/last", params=params)


def get_task_project(caller, task_id):
    """The production of a task (for events Zou sends without one)."""
    return caller.get(f"/data/tasks/{task_id}")["project_id"]


def get_project_team(caller, project_id):
    """The team of a production, each person with ``project_role``."""
    return caller.get(f"/data/projects/{project_id}/team")
