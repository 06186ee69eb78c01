"""Task panel, full task page, and the actions taken from them."""

import json
import logging

from flask import redirect, request, url_for
from flask_login import login_required

from .. import zou
from ..auth.redirects import safe_next
from ..htmx import is_fragment_request, render
from ..zou import comments as zou_comments
from ..zou import tasks as zou_tasks
from . import bp, posting
from .panel import offline_panel_context, panel_context

log = logging.getLogger(__name__)

FAMILIES = "any(assets,shots,edits)"


def panel_mode():
    """``page`` on the full task page, else ``panel``."""
    if request.values.get("mode") == "page" or not is_fragment_request():
        return "page"
    return "panel"


def updated(response, task_id):
    """Tell the page (list cell, counters) that a task changed."""
    response.headers["HX-Trigger"] = json.dumps(
        {"task-updated": {"task_id": task_id}}
    )
    return response


def panel_answer(task_id, status=200, changed=True, **options):
    """The re-rendered panel for htmx, else back to the page (PRG)."""
    caller = zou.current()
    if is_fragment_request() or status != 200:
        try:
            context = panel_context(caller, task_id, mode=panel_mode(),
                                    **options)
        except zou.ZouUnavailable:
            if status == 200:
                raise
            # Zou is down: keep what the user typed, with the message.
            context = offline_panel_context(
                task_id, options.get("form"), options.get("message"),
                mode=panel_mode(),
                retry_comment_id=options.get("retry_comment_id"),
            )
            return render(
                "tasks/task_page_offline.html", "tasks/_panel_offline.html",
                status=status, **context,
            )
        response = render(
            "tasks/task_page.html", "tasks/_panel.html", status=status,
            **context,
        )
    else:
        response = redirect(safe_next(request.form.get("next"),
                            url_for("tasks.panel", task_id=task_id)),
                            code=303)
    if changed and status == 200:
        updated(response, task_id)
    return response


@bp.get("/tasks/<task_id>/panel")
@login_required
def panel(task_id):
    """The task panel (fragment); the full page without htmx."""
    mode = panel_mode() if is_fragment_request() else "page"
    context = panel_context(
        zou.current(), task_id, mode=mode, edit_id=request.args.get("edit"),
    )
    return render("tasks/task_page.html", "tasks/_panel.html", **context)


@bp.get(
    f"/productions/<project_id>/<{FAMILIES}:family>/tasks/<task_id>",
    defaults={"episode_id": None, "preview_id": None},
)
@bp.get(
    f"/productions/<project_id>/<{FAMILIES}:family>/tasks/<task_id>"
    "/previews/<preview_id>",
    defaults={"episode_id": None},
)
@bp.get(
    f"/productions/<project_id>/episodes/<episode_id>/<{FAMILIES}:family>"
    "/tasks/<task_id>",
    defaults={"preview_id": None},
)
@bp.get(
    f"/productions/<project_id>/episodes/<episode_id>/<{FAMILIES}:family>"
    "/tasks/<task_id>/previews/<preview_id>",
)
@login_required
def task_page(project_id, family, task_id, episode_id=None, preview_id=None):
    """The full task page, at every address Zou's e-mails build."""
    context = panel_context(
        zou.current(), task_id, mode="page",
        edit_id=request.args.get("edit"),
    )
    if context["task"]["project_id"] != project_id:
        raise zou.NotAvailable("The task is not in this production.")
    context["open_preview"] = preview_id
    return render("tasks/task_page.html", **context)


@bp.post("/tasks/<task_id>/comments")
@login_required
def post_comment(task_id):
    """Post a comment (status, text, checklist, attachments, preview)."""
    caller = zou.current()
    form = posting.comment_form()
    attachments = posting.form_files("attachments")
    previews = posting.form_files("preview")
    pending = request.form.get("preview_pending") == "1"
    try:
        posting.check_sizes(attachments, "Comment")
        posting.check_sizes(previews, "Comment")
        comment = posting.post_comment(caller, task_id, form, attachments)
    except posting.StepFailed as failed:
        return panel_answer(task_id, status=422, form=form,
                            message=failed.message, message_at="form")
    log.info("comment %s posted on task %s", comment["id"], task_id)
    if previews:
        preview = previews[0]
        try:
            posting.publish_preview(
                caller, task_id, comment["id"], preview.filename,
                preview.stream, posting.file_size(preview), preview.mimetype,
            )
        except posting.StepFailed as failed:
            response = panel_answer(
                task_id, status=422, form=form, message=failed.message,
                retry_comment_id=comment["id"], message_at="form",
            )
            return updated(response, task_id)
    if pending and is_fragment_request():
        # The browser sends the preview next, with progress: keep the form
        # as typed until that upload has answered.
        context = panel_context(caller, task_id, mode=panel_mode(),
                                form=form, retry_comment_id=comment["id"])
        response = render("tasks/task_page.html", "tasks/_panel.html",
                          **context)
        response.headers["X-Comment-Id"] = comment["id"]
        return updated(response, task_id)
    return panel_answer(task_id)


@bp.post("/tasks/<task_id>/comments/<comment_id>/preview")
@login_required
def upload_preview(task_id, comment_id):
    """Stream one preview file to Zou as a new revision of a comment.

    The browser sends the file as the raw request body (``X-File-Name``
    names it); without JavaScript the retry form sends it as a form file.
    """
    caller = zou.current()
    try:
        if request.mimetype == "multipart/form-data":
            files = posting.form_files("preview")
            if not files:
                raise posting.StepFailed(
                    "Comment saved, preview not sent: choose a file.",
                    saved=True,
                )
            storage = files[0]
            source = (storage.filename, storage.stream,
                      posting.file_size(storage), storage.mimetype)
        else:
            source = posting.raw_upload()
        posting.publish_preview(caller, task_id, comment_id, *source)
    except posting.StepFailed as failed:
        if is_fragment_request():
            return render("tasks/_form_message.html", status=422,
                          message=failed.message, retry=True)
        return panel_answer(
            task_id, status=422, message=failed.message,
            retry_comment_id=comment_id, message_at="form",
        )
    return panel_answer(task_id)


@bp.post("/tasks/<task_id>/comments/<comment_id>/edit")
@login_required
def edit_comment(task_id, comment_id):
    """Change the text of a comment."""
    text = request.form.get("text", "")
    return panel_action(
        task_id, "Comment not changed",
        lambda: zou_comments.update_comment(zou.current(), comment_id,
                                            text=text),
        changed=False, edit_id=comment_id, edit_text=text,
    )


@bp.post("/tasks/<task_id>/comments/<comment_id>/delete")
@login_required
def delete_comment(task_id, comment_id):
    """Delete a comment (the task goes back to the previous status)."""
    return panel_action(
        task_id, "Comment not deleted",
        lambda: zou_comments.delete_comment(zou.current(), task_id,
                                            comment_id),
    )


@bp.post("/tasks/<task_id>/comments/<comment_id>/ack")
@login_required
def acknowledge_comment(task_id, comment_id):
    """Acknowledge a comment, or take the acknowledgement back."""
    return panel_action(
        task_id, "Not acknowledged",
        lambda: zou_comments.acknowledge_comment(zou.current(), task_id,
                                                 comment_id),
        changed=False,
    )


@bp.post("/tasks/<task_id>/comments/<comment_id>/checklist")
@login_required
def toggle_checklist(task_id, comment_id):
    """Tick or untick one checklist item of a comment."""
    caller = zou.current()
    try:
        index = int(request.form.get("index", "-1"))
        comment = zou_comments.get_comment(caller, comment_id)
        checklist = list(comment.get("checklist") or [])
        if not 0 <= index < len(checklist):
            raise zou.ZouRejected("This checklist item no longer exists.")
        item = dict(checklist[index])
        item["checked"] = not item.get("checked")
        checklist[index] = item
        zou_comments.update_comment(caller, comment_id, checklist=checklist)
    except ValueError:
        return panel_answer(task_id, status=422,
                            message="Checklist not changed: bad item.")
    except REFUSALS as exc:
        return panel_answer(task_id, status=422,
                            message=f"Checklist not changed: {_reason(exc)}")
    return panel_answer(task_id, changed=False)


@bp.post("/tasks/<task_id>/assign")
@login_required
def assign(task_id):
    """Add a person to the task's assignees."""
    person_id = request.form.get("person_id", "")
    return panel_action(
        task_id, "Not assigned",
        lambda: zou_tasks.assign_tasks(zou.current(), person_id, [task_id]),
        empty_reason="you may not assign this person to this task.",
    )


@bp.post("/tasks/<task_id>/unassign")
@login_required
def unassign(task_id):
    """Remove a person from the task's assignees."""
    person_id = request.form.get("person_id", "")
    return panel_action(
        task_id, "Not unassigned",
        lambda: zou_tasks.unassign_tasks(zou.current(), [task_id],
                                         person_id),
        empty_reason="you may not remove this person from this task.",
    )


REFUSALS = (zou.NotAvailable, zou.ZouRejected, zou.ZouUnavailable)


def panel_action(task_id, failure, action, changed=True, empty_reason=None,
                 **on_failure):
    """Run one Zou action from the panel and answer with the panel.

    A refusal keeps the panel, with ``failure: reason`` (422) and the
    ``on_failure`` options (the text being edited, say). With
    ``empty_reason``, an empty answer is a refusal too: Zou's assignment
    routes answer an empty list when they decline.
    """
    try:
        result = action()
    except REFUSALS as exc:
        reason = _reason(exc)
    else:
        if empty_reason is None or result:
            return panel_answer(task_id, changed=changed)
        reason = empty_reason
    return panel_answer(task_id, status=422, message=f"{failure}: {reason}",
                        **on_failure)


def _reason(exc):
    """A short reason for a refused action."""
    if isinstance(exc, zou.NotAvailable):
        return "you are not allowed to do this."
    if isinstance(exc, zou.ZouUnavailable):
        return "Zou cannot be reached right now; try again."
    return exc.message or "Zou refused it."


@bp.app_template_filter("person_initials")
def person_initials(name):
    """Up to two initials of a full name."""
    parts = str(name or "").split()
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@bp.app_template_filter("date_day")
def date_day(value):
    """The day of a Zou date (start and due dates carry no time zone)."""
    return str(value)[:10] if value else ""


@bp.app_template_filter("workdays")
def workdays(minutes, hours_per_day=8):
    """Minutes of work shown in days, as Kitsu shows estimations."""
    if not minutes:
        return "—"
    days = float(minutes) / 60 / float(hours_per_day or 8)
    return f"{days:.1f} d".replace(".0 d", " d")


@bp.app_template_filter("filesize")
def filesize(size):
    """A byte count for people."""
    return posting.human_size(size)
