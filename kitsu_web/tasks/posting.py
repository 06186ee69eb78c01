"""Posting a comment and publishing a preview, step by step.

Every step that fails gives a message naming it, so the page can keep what
the user typed and say exactly what was saved and what was not.
"""

import logging
import os
from urllib.parse import unquote

from flask import current_app, request
from werkzeug.exceptions import ClientDisconnected

from .. import zou
from ..zou import comments as zou_comments
from ..zou import previews as zou_previews
from ..zou.multipart import IncompleteUpload

log = logging.getLogger(__name__)


class StepFailed(Exception):
    """A step of posting failed; ``message`` says which and what to do."""

    def __init__(self, message, saved=False):
        super().__init__(message)
        self.message = message
        self.saved = saved


def max_bytes():
    """The largest upload accepted (KITSU_WEB_MAX_UPLOAD_BYTES)."""
    return current_app.config["KITSU"].max_upload_bytes


def human_size(size):
    """1.5 MB, 900 KB, 12 B."""
    size = float(size or 0)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def file_size(storage):
    """Size of an uploaded form file (Werkzeug keeps it on disk or small)."""
    stream = storage.stream
    try:
        position = stream.tell()
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(position)
        return size
    except (AttributeError, OSError, ValueError):
        return storage.content_length or 0


def comment_form():
    """The comment form's values, as typed."""
    return {
        "text": request.form.get("text", ""),
        "task_status_id": request.form.get("task_status_id", ""),
        "checklist": request.form.get("checklist", ""),
    }


def checklist_items(text):
    """One unchecked checklist item per non-empty line."""
    return [
        {"text": line.strip(), "checked": False}
        for line in (text or "").splitlines()
        if line.strip()
    ]


def form_files(name):
    """Chosen files of a form field (empty inputs left out)."""
    return [f for f in request.files.getlist(name) if f and f.filename]


def check_sizes(files, what):
    """Refuse files above the size limit before calling Zou."""
    limit = max_bytes()
    for storage in files:
        if file_size(storage) > limit:
            raise StepFailed(
                f"{what} not sent: {storage.filename} is larger than the "
                f"{human_size(limit)} limit."
            )


def post_comment(caller, task_id, form, attachments=()):
    """Post the comment with its status; returns Zou's comment."""
    if not form.get("task_status_id"):
        raise StepFailed("Comment not posted: choose a status.")
    files = [
        (a.filename, a.stream, file_size(a), a.mimetype) for a in attachments
    ]
    try:
        return zou_comments.post_comment(
            caller, task_id, form["task_status_id"], form["text"],
            checklist_items(form.get("checklist")), attachments=files,
        )
    except zou.NotAvailable as exc:
        log.info("comment refused on task %s: %s", task_id, exc.message)
        raise StepFailed(
            "Comment not posted: you may not comment on this task with "
            "this status."
        ) from exc
    except zou.ZouRejected as exc:
        raise StepFailed(
            f"Comment not posted: Zou refused it ({exc.message})."
        ) from exc
    except zou.ZouUnavailable as exc:
        raise StepFailed(
            "Comment not posted: Zou cannot be reached right now. Your text "
            "is kept; try again in a moment."
        ) from exc


def raw_upload():
    """The file the browser sent as the request body: name, stream, size."""
    size = request.content_length
    if size is None:
        raise StepFailed(
            "Comment saved, preview upload failed: the browser sent no "
            "file size. Retry.",
            saved=True,
        )
    name = unquote(request.headers.get("X-File-Name", "")) or "preview"
    return name, request.stream, size, request.mimetype


def publish_preview(caller, task_id, comment_id, name, stream, size,
                    content_type=None):
    """Add a revision to a comment and stream its file to Zou."""
    if size > max_bytes():
        raise StepFailed(
            f"Comment saved, preview not sent: {name} is larger than the "
            f"{human_size(max_bytes())} limit.",
            saved=True,
        )
    try:
        slot = zou_previews.add_preview(caller, task_id, comment_id)
    except zou.NotAvailable as exc:
        raise StepFailed(
            "Comment saved, preview not added: you may not publish previews "
            "on this task.",
            saved=True,
        ) from exc
    except (zou.ZouRejected, zou.ZouUnavailable) as exc:
        raise StepFailed(
            "Comment saved, preview upload failed: Zou cannot be reached. "
            "Retry.",
            saved=True,
        ) from exc
    try:
        preview = zou_previews.upload_preview_file(
            caller, slot["id"], name, stream, size, content_type
        )
    except (zou.ZouRejected, zou.NotAvailable) as exc:
        _forget_slot(caller, task_id, comment_id, slot["id"])
        reason = (exc.message or "").rstrip(". ") or "Zou refused this file"
        raise StepFailed(
            f"Comment saved, preview processing failed: {reason}.",
            saved=True,
        ) from exc
    except zou.ZouUnavailable as exc:
        _forget_slot(caller, task_id, comment_id, slot["id"])
        if exc.status:
            raise StepFailed(
                "Comment saved, preview processing failed: Zou could not "
                "process this file (for movies it needs ffmpeg).",
                saved=True,
            ) from exc
        raise StepFailed(
            "Comment saved, preview upload failed: the upload did not reach "
            "Zou. Retry.",
            saved=True,
        ) from exc
    except (IncompleteUpload, ClientDisconnected, OSError) as exc:
        log.info("preview upload interrupted: %s", exc)
        _forget_slot(caller, task_id, comment_id, slot["id"])
        raise StepFailed(
            "Comment saved, preview upload failed: the upload was "
            "interrupted. Retry.",
            saved=True,
        ) from exc
    if (preview or {}).get("status") == "broken":
        raise StepFailed(
            "Comment saved, preview processing failed: Zou could not read "
            "this file.",
            saved=True,
        )
    return preview


def _forget_slot(caller, task_id, comment_id, preview_id):
    """Remove an empty revision left by a failed upload (best effort)."""
    try:
        zou_previews.remove_preview(caller, task_id, comment_id, preview_id)
    except zou.ZouError as exc:
        log.info("could not remove preview slot %s: %s", preview_id,
                 exc.message)
