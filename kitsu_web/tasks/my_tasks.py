"""My Tasks: the user's tasks across open productions (Kitsu's /my-tasks)."""

from flask import abort, request, url_for
from flask_login import current_user, login_required

from .. import markdown, zou
from ..htmx import render
from ..zou import context as zou_context
from ..zou import tasks as zou_tasks
from . import bp, filters
from .bulk import bulk_bar_context
from .panel import MANAGER_ROLES, media_version, panel_context, with_task

SORTS = {
    "entity": lambda t: (t.get("project_name") or "", row_label(t).lower()),
    "production": lambda t: (t.get("project_name") or "").lower(),
    "task_type": lambda t: (t.get("task_type_name") or "").lower(),
    "status": lambda t: (t.get("task_status_short_name") or "").lower(),
    "due_date": lambda t: t.get("due_date") or "9999",
    "last_comment": lambda t: t.get("last_comment_date") or "",
    "priority": lambda t: t.get("priority") or 0,
}
COLUMNS = [
    ("production", "Production"),
    ("entity", "Entity"),
    ("task_type", "Task type"),
    ("status", "Status"),
    ("due_date", "Due"),
    ("priority", "Priority"),
    ("last_comment", "Last comment"),
]


def row_label(task):
    """Episode / sequence / shot, or asset type / asset."""
    parts = [task.get("episode_name"), task.get("sequence_name")]
    if not task.get("sequence_name") and task.get("entity_type_name") not in (
        None, "Shot", "Sequence", "Episode", "Edit"
    ):
        parts.append(task.get("entity_type_name"))
    parts.append(task.get("entity_name"))
    return " / ".join(p for p in parts if p)


def prepare_row(task, persons):
    """Display values of one My Tasks row."""
    preview_id = task.get("entity_preview_file_id")
    last = task.get("last_comment") or {}
    author = persons.get(last.get("person_id")) or {}
    return {
        "task": task,
        "id": task["id"],
        "label": row_label(task),
        "thumbnail": (
            f"/api/pictures/thumbnails/preview-files/{preview_id}.png"
            f"?v={media_version(task.get('updated_at'))}"
            if preview_id else None
        ),
        "last_comment": markdown.excerpt(last.get("text"), 90),
        "last_comment_date": last.get("date"),
        "last_comment_author": author.get("full_name", ""),
    }


def list_args():
    """The list's own parameters (search, sort, order, tab)."""
    tab = request.args.get("tab", "todo")
    sort = request.args.get("sort", "due_date")
    order = request.args.get("order", "asc")
    return {
        "tab": tab if tab in ("todo", "done") else "todo",
        "search": request.args.get("search", "").strip(),
        "sort": sort if sort in SORTS else "due_date",
        "order": order if order in ("asc", "desc") else "asc",
    }


def load_rows(caller, args):
    """The tab's tasks, filtered and sorted, ready to display."""
    if args["tab"] == "done":
        tasks = zou_tasks.get_user_done_tasks(caller)
    else:
        tasks = zou_tasks.get_user_tasks(caller)
    persons = zou_context.get_persons(caller)
    with_assignees = current_user.role in MANAGER_ROLES + ("supervisor",)
    tasks = filters.apply(tasks, args["search"], with_assignees, persons)
    tasks.sort(key=SORTS["entity"])
    tasks.sort(key=SORTS[args["sort"]], reverse=args["order"] == "desc")
    return [prepare_row(t, persons) for t in tasks]


def my_tasks_url(**changes):
    """The My Tasks address with some parameters changed (None removes)."""
    params = {k: v for k, v in request.args.items() if k != "task"}
    params.update(changes)
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return url_for("tasks.my_tasks", **params)


def sort_url(column, args):
    """Header link: sort by ``column``, flipping the order when sorted."""
    order = "asc"
    if args["sort"] == column and args["order"] == "asc":
        order = "desc"
    return my_tasks_url(sort=column, order=order)


@bp.get("/my-tasks")
@login_required
def my_tasks():
    """My Tasks (or the Done tab), with the task panel when ?task= is set."""
    if current_user.is_client:
        abort(404)
    caller = zou.current()
    args = list_args()
    rows = load_rows(caller, args)
    panel = None
    task_id = request.args.get("task")
    if task_id:
        try:
            panel = panel_context(caller, task_id)
        except zou.NotAvailable:
            panel = {"not_available": True}
    here = request.full_path.rstrip("?")
    bulk = bulk_bar_context(caller)
    bulk["next_url"] = here
    return render(
        "tasks/my_tasks.html", "tasks/_my_tasks_table.html",
        rows=rows, args=args, panel=panel, bulk=bulk, columns=COLUMNS,
        sort_url=lambda column: sort_url(column, args),
        tab_url=lambda tab: my_tasks_url(tab=tab if tab != "todo" else None),
        row_url=lambda tid: with_task(here, tid),
        here=here,
    )


@bp.get("/my-tasks/count")
@login_required
def my_tasks_count():
    """The number of tasks in the tab (refreshed when a task changes)."""
    args = list_args()
    count = len(load_rows(zou.current(), args))
    return render("tasks/_my_tasks_count.html", count=count, args=args)


@bp.get("/my-tasks/rows/<task_id>")
@login_required
def my_task_row(task_id):
    """One My Tasks row, re-rendered after the task changed."""
    caller = zou.current()
    args = list_args()
    persons = zou_context.get_persons(caller)
    rows = {t["id"]: t for t in zou_tasks.get_user_tasks(caller)}
    if task_id not in rows:
        rows = {t["id"]: t for t in zou_tasks.get_user_done_tasks(caller)}
    if task_id not in rows:
        return render("tasks/_my_task_row_gone.html", task_id=task_id)
    here = request.headers.get("HX-Current-URL") or url_for("tasks.my_tasks")
    return render(
        "tasks/_my_task_row.html", row=prepare_row(rows[task_id], persons),
        args=args, row_url=lambda tid: with_task(_path(here), tid),
    )


def _path(url):
    """Path and query of an absolute URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
