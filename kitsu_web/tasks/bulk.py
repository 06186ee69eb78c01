"""Bulk actions on selected tasks: status with one comment, assignment,
priority.

The selection script sends the selected ids in chunks (one request per
chunk, with a progress bar) and lists the tasks that failed, each with its
own retry. Without JavaScript the same form posts every id at once and the
server works through the chunks itself.
"""

import json
import logging

from flask import flash, redirect, request
from flask_login import current_user, login_required

from .. import zou
from ..auth.redirects import safe_next
from ..htmx import is_fragment_request, render
from ..zou import comments as zou_comments
from ..zou import context as zou_context
from ..zou import tasks as zou_tasks
from . import bp
from .panel import (
    ARTIST_ROLES,
    MANAGER_ROLES,
    PRIORITIES,
    allowed_statuses,
    open_project,
    project_role,
)

log = logging.getLogger(__name__)

CHUNK_SIZE = 10
ACTIONS = ("status", "assign", "unassign", "priority")
MAX_LABEL_LOOKUPS = 20


def bulk_bar_context(caller, project_id=None):
    """What the bulk bar offers for a list (one production, or all)."""
    context = zou_context.get_user_context(caller)
    if project_id:
        project = open_project(context, project_id) or {}
        role = project_role(context, project_id)
    else:
        project, role = {}, current_user.role
    statuses = allowed_statuses(context, project, role)
    team = set(project.get("team") or [])
    people = [
        p for p in context.get("persons") or []
        if p.get("active", True) and not p.get("is_bot")
        and (not team or p["id"] in team)
    ]
    people.sort(key=lambda p: (p.get("full_name") or "").lower())
    can_manage = role in MANAGER_ROLES or role == "supervisor"
    return {
        "project_id": project_id or "",
        "statuses": statuses,
        "people": people if can_manage else [],
        "can_assign": can_manage,
        "can_priority": can_manage,
        "can_status": role != "client" or bool(statuses),
        "priorities": PRIORITIES,
        "chunk_size": CHUNK_SIZE,
        "role": role,
        "is_artist": role in ARTIST_ROLES,
    }


def chunks(items, size=CHUNK_SIZE):
    """Consecutive slices of ``items``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def project_of_tasks(caller, task_ids, project_id=None):
    """Map task ids to their own production, as Zou knows it.

    ``project_id`` (the list the selection was made on) is never taken on
    trust: Zou's comment-many applies the rights of the production in its
    URL to every task of the batch, so a task id of another production
    slipped into a form would be commented with those rights. Each task's
    production is read from Zou (which checks the user may see it); My
    Tasks answers first for selections made there. Unknown tasks map to
    None.
    """
    known = {}
    if not project_id:
        try:
            for task in zou_tasks.get_user_tasks(caller):
                known[task["id"]] = task["project_id"]
        except zou.NotAvailable:
            pass
    mapping = {}
    for tid in task_ids:
        if tid in known:
            mapping[tid] = known[tid]
            continue
        try:
            mapping[tid] = zou_tasks.get_task(caller, tid)["project_id"]
        except (zou.NotAvailable, zou.ZouRejected):
            mapping[tid] = None
    return mapping


def comment_one_by_one(caller, task_ids, values, done):
    """Comment the tasks Zou's batch route silently left out.

    The batch route keeps only what a supervisor of the department or an
    assignee may comment; the per-task route applies all of Zou's rules
    (clients on their productions, for one). Returns {id: reason}.
    """
    failed = {}
    for tid in task_ids:
        try:
            zou_comments.post_comment(caller, tid, values["task_status_id"],
                                      values.get("comment", ""))
            done.add(tid)
        except (zou.NotAvailable, zou.ZouRejected) as exc:
            failed[tid] = exc.message or "not allowed on this task"
    return failed


def run_action(caller, action, task_ids, values, project_id=None):
    """Apply one action to some tasks; return (done ids, {id: reason})."""
    done, failed = set(), {}
    refused = "not allowed on this task, or the task is gone"
    try:
        if action == "status":
            by_project = {}
            projects = project_of_tasks(caller, task_ids, project_id)
            for tid in task_ids:
                if projects.get(tid) is None:
                    failed[tid] = "task not found"
                else:
                    by_project.setdefault(projects[tid], []).append(tid)
            for pid, ids in by_project.items():
                items = [
                    {"object_id": tid,
                     "task_status_id": values["task_status_id"],
                     "comment": values.get("comment", "")}
                    for tid in ids
                ]
                made = zou_comments.comment_many(caller, pid, items)
                done.update(c.get("object_id") for c in made)
                left = [tid for tid in ids if tid not in done]
                failed.update(comment_one_by_one(caller, left, values, done))
        elif action == "assign":
            made = zou_tasks.assign_tasks(caller, values["person_id"],
                                          task_ids)
            done.update(t["id"] for t in made)
        elif action == "unassign":
            made = zou_tasks.unassign_tasks(caller, task_ids,
                                            values.get("person_id") or None)
            done.update(t if isinstance(t, str) else t["id"] for t in made)
        elif action == "priority":
            made = zou_tasks.set_tasks_priority(caller, task_ids,
                                                values["priority"])
            done.update(t["id"] for t in made)
    except zou.ZouUnavailable:
        refused = "Zou cannot be reached; retry"
    except (zou.NotAvailable, zou.ZouRejected) as exc:
        refused = exc.message or refused
    for tid in task_ids:
        if tid not in done and tid not in failed:
            failed[tid] = refused
    return [t for t in task_ids if t in done], failed


def read_values():
    """The action's values from the bulk form; raises ValueError."""
    action = request.form.get("action", "")
    if action not in ACTIONS:
        raise ValueError("Choose an action.")
    values = {
        "task_status_id": request.form.get("task_status_id", ""),
        "comment": request.form.get("comment", ""),
        "person_id": request.form.get("person_id", ""),
        "priority": request.form.get("priority", "0"),
    }
    if action == "status" and not values["task_status_id"]:
        raise ValueError("Choose a status.")
    if action == "assign" and not values["person_id"]:
        raise ValueError("Choose a person to assign.")
    if action == "priority":
        if values["priority"] not in {str(p) for p, _ in PRIORITIES}:
            raise ValueError("Choose a priority.")
    return action, values


def failure_rows(caller, failed):
    """Failed tasks with a readable label, for the retry list."""
    rows = []
    for index, (tid, reason) in enumerate(failed.items()):
        label = f"Task {tid[:8]}"
        if index < MAX_LABEL_LOOKUPS:
            try:
                full = zou_tasks.get_task_full(caller, tid)
                label = (f"{(full.get('entity') or {}).get('name', '')} · "
                         f"{(full.get('task_type') or {}).get('name', '')}")
            except zou.ZouError:
                pass
        rows.append({"id": tid, "label": label, "reason": reason})
    return rows


@bp.post("/tasks/bulk")
@login_required
def bulk():
    """Apply a bulk action to the selected tasks (one chunk with JS)."""
    caller = zou.current()
    task_ids = list(dict.fromkeys(request.form.getlist("task_ids")))
    project_id = request.form.get("project_id") or None
    try:
        if not task_ids:
            raise ValueError("Select at least one task.")
        action, values = read_values()
    except ValueError as exc:
        if is_fragment_request():
            return render("tasks/_bulk_chunk.html", status=422,
                          ok=[], failures=[], error=str(exc))
        flash(str(exc), "error")
        return redirect(safe_next(request.form.get("next"), "/"), code=303)

    ok, failed = [], {}
    for chunk in chunks(task_ids):
        done, refused = run_action(caller, action, chunk, values, project_id)
        ok.extend(done)
        failed.update(refused)
    log.info("bulk %s: %d done, %d failed", action, len(ok), len(failed))
    context = {
        "ok": ok, "failures": failure_rows(caller, failed),
        "action": action, "values": values, "project_id": project_id or "",
        "next_url": safe_next(request.form.get("next"), "/"),
        "error": None,
    }
    if is_fragment_request():
        response = render("tasks/_bulk_chunk.html", **context)
        if ok:
            response.headers["HX-Trigger"] = json.dumps(
                {"tasks-updated": {"task_ids": ok}}
            )
        return response
    if not failed:
        flash(f"{len(ok)} task{'s' if len(ok) != 1 else ''} updated.",
              "success")
        return redirect(context["next_url"], code=303)
    return render("tasks/bulk_result.html", **context)


@bp.app_template_global("task_bulk_bar")
def task_bulk_bar(project_id=None):
    """The bulk bar's choices for a list page (the user context is read
    once per request, so this costs no extra call to Zou)."""
    context = bulk_bar_context(zou.current(), project_id)
    context["next_url"] = safe_next(request.full_path.rstrip("?"), "/")
    return context


@bp.get("/tasks/bulk-bar")
@login_required
def bulk_bar():
    """The bulk bar of a production's list, as a fragment."""
    context = bulk_bar_context(zou.current(), request.args.get("project_id"))
    context["next_url"] = safe_next(request.args.get("next"), "/")
    return render("tasks/_bulk_bar.html", "tasks/_bulk_bar.html",
                  bulk=context)

