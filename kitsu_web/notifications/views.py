"""Notifications: the inbox page, the bell, marking as read.

The bell and the list refresh themselves when the live-update script sees
a ``notification:*`` event for the user (they carry ``data-refresh-url``),
and when a page of this blueprint marks something read (``HX-Trigger``).
"""

import re

import uuid

from flask import Blueprint, redirect, request, url_for
from flask_login import login_required

from .. import zou
from ..htmx import is_fragment_request, render
from ..zou import context as zou_context
from ..zou import notifications as zou_notifications

bp = Blueprint("notifications", __name__)

CHANGED = "notifications-changed"  # htmx event the bell listens to.
ACTIONS = {
    "comment": "commented on",
    "mention": "mentioned you on",
    "assignation": "assigned you to",
    "reply": "replied on",
    "reply-mention": "mentioned you in a reply on",
    "playlist-ready": "shared a playlist of",
}
FAMILIES = {"Shot": "shots", "Edit": "edits"}


ZOU_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")


def get_notifications_context(caller, before=None):
    """What the inbox shows: notifications newest first, with labels, and
    the link to the older ones when Zou's page of 100 was full."""
    if before and not ZOU_DATE.match(before):
        before = None
    notifications = zou_notifications.get_notifications(
        caller, before=before
    )
    notifications.sort(key=lambda n: n.get("created_at") or "", reverse=True)
    persons = zou_context.get_persons(caller)
    task_types = zou_context.get_task_types(caller)
    statuses = zou_context.get_task_statuses(caller)
    projects = zou_context.get_open_projects(caller)
    for notification in notifications:
        author = persons.get(notification.get("author_id")) or {}
        notification["author_name"] = person_name(author)
        notification["author_initials"] = "".join(
            part[0] for part in notification["author_name"].split()[:2]
        ).upper() or "?"
        notification["action"] = ACTIONS.get(
            notification.get("notification_type"), "updated"
        )
        notification["task_type"] = task_types.get(
            notification.get("task_type_id")
        )
        notification["status"] = statuses.get(
            notification.get("task_status_id")
        )
        notification["url"] = task_url(
            notification, notification["task_type"],
            projects.get(notification.get("project_id")),
        )
    unread = sum(1 for n in notifications if not n.get("read"))
    older_url = None
    if len(notifications) >= zou_notifications.UNREAD_PAGE:
        older_url = url_for(
            "notifications.index", before=notifications[-1]["created_at"]
        )
    return {"notifications": notifications, "unread": unread,
            "older_url": older_url, "before": before}


def person_name(person):
    """A person's full name, or "Someone" when unknown."""
    name = person.get("full_name") or " ".join(
        part for part in (person.get("first_name"), person.get("last_name"))
        if part
    )
    return name or "Someone"


def task_url(notification, task_type, project):
    """The task page address Zou's e-mails use, or None."""
    task_id = notification.get("task_id")
    project_id = notification.get("project_id")
    if not task_id or not project_id:
        return None
    family = FAMILIES.get((task_type or {}).get("for_entity"), "assets")
    episode_id = notification.get("episode_id")
    if not episode_id and (project or {}).get("production_type") == "tvshow":
        episode_id = "main"
    if episode_id:
        return (f"/productions/{project_id}/episodes/{episode_id}/"
                f"{family}/tasks/{task_id}")
    return f"/productions/{project_id}/{family}/tasks/{task_id}"


@bp.get("/notifications")
@login_required
def index():
    """The inbox: newest first, unread ones marked."""
    context = get_notifications_context(
        zou.current(), request.args.get("before")
    )
    return render(
        "notifications/index.html", "notifications/_list.html", **context
    )


@bp.get("/notifications/bell")
@login_required
def bell():
    """The bell of the top bar with the unread count (fragment)."""
    unread = zou_notifications.count_unread(zou.current())
    return render(
        "notifications/_bell.html", "notifications/_bell.html",
        bell_unread=unread, bell_cap=zou_notifications.UNREAD_PAGE,
    )


@bp.post("/notifications/<notification_id>/read")
@login_required
def mark_read(notification_id):
    """Mark one notification read (or unread with ``read=0``)."""
    read = request.form.get("read", "1") != "0"
    if not is_id(notification_id):
        # Zou fails (500) on a malformed id: say "not available" instead.
        raise zou.NotAvailable("No such notification.", 404)
    zou_notifications.set_read(zou.current(), notification_id, read)
    return after_change()


@bp.post("/notifications/read-all")
@login_required
def mark_all_read():
    """Mark every notification read."""
    zou_notifications.mark_all_read(zou.current())
    return after_change()


def is_id(value):
    """Whether ``value`` has the shape of a Zou id."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def after_change():
    """The refreshed list for htmx (the bell follows), else a redirect."""
    if not is_fragment_request():
        return redirect(url_for("notifications.index"), code=303)
    context = get_notifications_context(
        zou.current(), request.args.get("before")
    )
    response = render(
        "notifications/index.html", "notifications/_list.html", **context
    )
    response.headers["HX-Trigger"] = CHANGED
    return response
