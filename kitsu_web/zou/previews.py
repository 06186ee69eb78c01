"""Previews: a revision slot on a comment, then its file, streamed."""

import logging

from .multipart import MultipartBody

log = logging.getLogger(__name__)


def get_task_previews(caller, task_id):
    """The task's previews grouped by revision, as Zou returns them."""
    return caller.get(f"/data/tasks/{task_id}/previews") or []


def add_preview(caller, task_id, comment_id):
    """Create the next revision's preview slot on a comment."""
    return caller.post(
        f"/actions/tasks/{task_id}/comments/{comment_id}/add-preview",
        json={},
    )


def upload_preview_file(caller, preview_id, filename, stream, size,
                        content_type=None):
    """Stream a preview file to Zou; returns the processed preview row.

    Zou processes pictures, and (without its job queue) transcodes movies,
    inside this request, so it can take minutes.
    """
    multipart = MultipartBody(
        files=[("file", filename, stream, size, content_type)]
    )
    return caller.call(
        "POST",
        f"/pictures/preview-files/{preview_id}",
        data=multipart,
        headers={"Content-Type": multipart.content_type},
        replayable=False,
        timeout=caller.client.upload_timeout,
    )


def remove_preview(caller, task_id, comment_id, preview_id):
    """Remove an empty or failed preview slot from its comment."""
    return caller.delete(
        f"/actions/tasks/{task_id}/comments/{comment_id}"
        f"/preview-files/{preview_id}"
    )
