"""Comments on tasks: the thread, posting with a status, edits."""

import json

from .multipart import MultipartBody


def get_task_comments(caller, task_id):
    """The task's comments, newest first, as far as the user may see."""
    return caller.get(f"/data/tasks/{task_id}/comments") or []


def post_comment(caller, task_id, task_status_id, text, checklist=None,
                 attachments=()):
    """Post a comment that sets the task status; returns the comment.

    ``attachments`` are (filename, stream, size, content_type) tuples sent
    as a streamed multipart body.
    """
    body = {
        "task_status_id": task_status_id,
        "comment": text or "",
        "checklist": checklist or [],
    }
    if not attachments:
        return caller.post(f"/actions/tasks/{task_id}/comment", json=body)
    fields = [
        ("task_status_id", task_status_id),
        ("comment", text or ""),
        ("checklist", json.dumps(checklist or [])),
    ]
    files = [
        (f"file{index}", name, stream, size, kind)
        for index, (name, stream, size, kind) in enumerate(attachments)
    ]
    multipart = MultipartBody(fields, files)
    return caller.call(
        "POST",
        f"/actions/tasks/{task_id}/comment",
        data=multipart,
        headers={"Content-Type": multipart.content_type},
        replayable=False,
        timeout=caller.client.upload_timeout,
    )


def update_comment(caller, comment_id, **fields):
    """Change a comment's text, status or checklist."""
    return caller.put(f"/data/comments/{comment_id}", json=fields)


def get_comment(caller, comment_id):
    """One comment, raw."""
    return caller.get(f"/data/comments/{comment_id}")


def delete_comment(caller, task_id, comment_id):
    """Delete a comment (the task status follows the previous one)."""
    return caller.delete(f"/data/tasks/{task_id}/comments/{comment_id}")


def acknowledge_comment(caller, task_id, comment_id):
    """Toggle the user's acknowledgement of a comment."""
    return caller.post(f"/data/tasks/{task_id}/comments/{comment_id}/ack")


def comment_many(caller, project_id, items):
    """One comment per task of a production; returns the comments made.

    ``items`` are dicts with ``object_id``, ``task_status_id`` and
    ``comment``. Zou skips the tasks the user may not comment on.
    """
    return caller.post(
        f"/actions/projects/{project_id}/tasks/comment-many", json=items
    ) or []
