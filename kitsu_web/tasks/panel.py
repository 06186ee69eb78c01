"""Everything the task panel and the task page show, from four Zou reads.

``panel_context(caller, task_id)`` is the contract with the list pages:
they call it when their URL carries ``?task=<tid>`` and include
``tasks/_panel.html`` with the result. A task the user may not see raises
``zou.NotAvailable``.
"""

from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from flask import current_app, request, url_for
from flask_login import current_user

from .. import markdown
from ..zou import comments as zou_comments
from ..zou import context as zou_context
from ..zou import previews as zou_previews
from ..zou import tasks as zou_tasks

MANAGER_ROLES = ("admin", "manager")
ARTIST_ROLES = ("user", "vendor")
PRIORITIES = [
    (0, "Normal"),
    (1, "High"),
    (2, "Very high"),
    (3, "Emergency"),
]
PICTURE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "webp")
MOVIE_EXTENSIONS = ("mp4", "mov", "webm", "avi", "mkv", "m4v", "wmv")


def project_role(context, project_id):
    """The user's role on a production (Zou's per-production override)."""
    role = current_user.role
    if role == "admin":
        return role
    override = (context.get("project_roles") or {}).get(project_id)
    return override if override not in (None, "admin") else role


def me_in_context(context):
    """The user's own row in the context's people (with departments)."""
    for person in context.get("persons") or []:
        if person["id"] == current_user.id:
            return person
    return {"id": current_user.id, "departments": []}


def open_project(context, project_id):
    """The open production from the context, with its settings links."""
    for project in context.get("projects") or []:
        if project["id"] == project_id:
            return project
    return None


def allowed_statuses(context, project, role, task_type=None):
    """The statuses this role may set on this production, as Kitsu lists.

    Archived statuses are left out, the production's own status list
    applies when it has one, concept statuses only for concept tasks;
    artists and vendors get the artist-allowed statuses, clients the
    client-allowed ones (the production may override that flag).
    """
    is_concept = bool(task_type) and task_type.get("for_entity") == "Concept"
    linked = set((project or {}).get("task_statuses") or [])
    links = (project or {}).get("task_statuses_link") or {}
    statuses = []
    for status in context.get("task_status") or []:
        if status.get("archived"):
            continue
        if linked and status["id"] not in linked:
            continue
        if bool(status.get("for_concept")) != is_concept:
            continue
        if role in ARTIST_ROLES and not status.get("is_artist_allowed"):
            continue
        if role == "client":
            override = (links.get(status["id"]) or {}).get("is_client_allowed")
            allowed = (
                status.get("is_client_allowed") if override is None
                else override
            )
            if not allowed:
                continue
        statuses.append(status)
    statuses.sort(key=lambda s: (s.get("priority") or 0, s["name"].lower()))
    return statuses


def in_department(me, task_type):
    """Supervisors without departments see all; others their own."""
    departments = me.get("departments") or []
    return not departments or task_type.get("department_id") in departments


def media_version(value):
    """A short cache-busting token for media URLs."""
    return "".join(ch for ch in str(value or "0") if ch.isalnum())[-14:]


def preview_media(preview, version=None):
    """URLs (through /api) and kind of one preview file."""
    pid = preview["id"]
    extension = (preview.get("extension") or "").lower()
    v = media_version(version or preview.get("updated_at")
                      or preview.get("status"))
    media = {
        "id": pid,
        "revision": preview.get("revision"),
        "status": preview.get("status") or "ready",
        "extension": extension,
        "original_name": preview.get("original_name") or "",
        "thumbnail": f"/api/pictures/thumbnails/preview-files/{pid}.png?v={v}",
    }
    if extension in MOVIE_EXTENSIONS:
        media["kind"] = "movie"
        media["src"] = f"/api/movies/low/preview-files/{pid}.mp4?v={v}"
        media["download"] = (
            f"/api/movies/originals/preview-files/{pid}.mp4?v={v}"
        )
    elif extension in PICTURE_EXTENSIONS:
        media["kind"] = "picture"
        media["src"] = f"/api/pictures/previews/preview-files/{pid}.png?v={v}"
        media["download"] = (
            f"/api/pictures/originals/preview-files/{pid}.png?v={v}"
        )
    else:
        media["kind"] = "file"
        media["src"] = (
            f"/api/pictures/originals/preview-files/{pid}.{extension}"
            f"/download?v={v}"
        )
        media["download"] = media["src"]
    if media["status"] != "ready":
        media["kind"] = media["status"]
    return media


def url_name(name):
    """A file name as one path segment: slashes and dot-only names could
    walk the link to another address of the site (Zou ignores it)."""
    name = name.replace("/", "_").replace("\\", "_")
    if not name.strip("."):
        name = "attachment"
    return quote(name, safe="")


def attachment_media(attachment):
    """Link and kind of one comment attachment."""
    aid = attachment["id"]
    name = attachment.get("name") or "attachment"
    kind = attachment.get("mimetype") or ""
    v = media_version(attachment.get("updated_at"))
    return {
        "id": aid,
        "name": name,
        "is_picture": kind.startswith("image/") and "svg" not in kind,
        "url": (
            f"/api/data/attachment-files/{aid}/file/{url_name(name)}?v={v}"
        ),
        "thumbnail": (
            f"/api/pictures/thumbnails/attachment-files/{aid}.png?v={v}"
        ),
        "size": attachment.get("size"),
    }


def entity_label(full):
    """Sequence / shot or asset type / asset, as Kitsu titles tasks."""
    entity = full.get("entity") or {}
    parts = []
    episode = full.get("episode") or {}
    if episode.get("name"):
        parts.append(episode["name"])
    sequence = full.get("sequence") or {}
    if sequence.get("name"):
        parts.append(sequence["name"])
    elif (full.get("entity_type") or {}).get("name") not in (
        None, "Shot", "Sequence", "Episode", "Edit"
    ):
        parts.append(full["entity_type"]["name"])
    parts.append(entity.get("name") or "")
    return " / ".join(p for p in parts if p)


def family_of(task_type):
    """The URL family Zou's e-mails use for a task of this type."""
    for_entity = (task_type or {}).get("for_entity")
    if for_entity == "Shot":
        return "shots"
    if for_entity == "Edit":
        return "edits"
    return "assets"


def task_page_url(full):
    """The task's full page, in the form Zou's e-mails build."""
    project = full.get("project") or {}
    family = family_of(full.get("task_type"))
    if project.get("production_type") == "tvshow":
        episode = (full.get("episode") or {}).get("id") or "main"
        return url_for(
            "tasks.task_page", project_id=full["project_id"],
            episode_id=episode, family=family, task_id=full["id"],
        )
    return url_for(
        "tasks.task_page", project_id=full["project_id"], family=family,
        task_id=full["id"],
    )


def page_url():
    """The address of the page the user looks at (htmx or not)."""
    current = request.headers.get("HX-Current-URL")
    if current and request.headers.get("HX-Request") == "true":
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def with_task(url, task_id):
    """``url`` with its ``task`` parameter set (or removed for None)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "task"]
    if task_id:
        query.append(("task", task_id))
    return parts.path + (f"?{urlencode(query)}" if query else "")


def prepare_comment(comment, me_id, role, persons, versions, edit_id):
    """One comment with rendered text, media and what the user may do."""
    mentioned = [
        persons[pid]["full_name"] for pid in comment.get("mentions") or []
        if pid in persons
    ]
    author = comment.get("person") or persons.get(comment.get("person_id"))
    is_mine = comment.get("person_id") == me_id
    acks = comment.get("acknowledgements") or []
    return {
        "id": comment["id"],
        "raw": comment,
        "text": comment.get("text") or "",
        "html": markdown.render(comment.get("text"), mentioned),
        "author": author or {"full_name": "Someone"},
        "status": comment.get("task_status") or {},
        "created_at": comment.get("created_at"),
        "edited": bool(comment.get("editor_id")),
        "pinned": bool(comment.get("pinned")),
        "previews": [
            preview_media(p, versions.get(p["id"]))
            for p in comment.get("previews") or []
            if isinstance(p, dict)
        ],
        "attachments": [
            attachment_media(a) for a in comment.get("attachment_files") or []
            if isinstance(a, dict)
        ],
        "checklist": comment.get("checklist") or [],
        "acked": me_id in acks,
        "ack_count": len(acks),
        "mentions_me": me_id in (comment.get("mentions") or []),
        "can_edit": is_mine or role in MANAGER_ROLES,
        "can_delete": is_mine or role in MANAGER_ROLES,
        "editing": comment["id"] == edit_id,
        "edit_text": comment.get("text") or "",
    }


def panel_context(caller, task_id, form=None, message=None,
                  message_kind="error", edit_id=None, mode="panel",
                  retry_comment_id=None, message_at="panel", edit_text=None):
    """Everything ``tasks/_panel.html`` needs for one task.

    ``form`` holds values typed in a failed post (kept in the re-rendered
    form), ``message`` says which step failed; ``edit_text`` is the text
    typed in a refused edit of comment ``edit_id`` (kept in its box).
    """
    full = zou_tasks.get_task_full(caller, task_id)
    comments = zou_comments.get_task_comments(caller, task_id)
    previews = zou_previews.get_task_previews(caller, task_id)
    context = zou_context.get_user_context(caller)
    persons = zou_context.by_id(context.get("persons"))
    statuses = zou_context.by_id(context.get("task_status"))
    project_id = full["project_id"]
    project = open_project(context, project_id) or full.get("project") or {}
    role = project_role(context, project_id)
    me = me_in_context(context)
    task_type = full.get("task_type") or {}
    assignee_ids = full.get("assignees") or []
    versions = {p["id"]: p.get("updated_at") for p in previews}

    prepared = [
        prepare_comment(c, me["id"], role, persons, versions, edit_id)
        for c in comments
    ]
    if edit_text is not None:
        for prepared_comment in prepared:
            if prepared_comment["editing"]:
                prepared_comment["edit_text"] = edit_text
    prepared.sort(key=lambda c: c["created_at"] or "", reverse=True)
    prepared.sort(key=lambda c: not c["pinned"])

    is_assigned = me["id"] in assignee_ids
    is_supervisor_here = role == "supervisor" and in_department(me, task_type)
    can_act = (
        role in MANAGER_ROLES or role == "client" or is_assigned
        or is_supervisor_here
    )
    mentioned_only = not can_act and any(c["mentions_me"] for c in prepared)
    choices = allowed_statuses(context, project, role, task_type)
    current_status = full.get("task_status") or statuses.get(
        full.get("task_status_id"), {}
    )
    if mentioned_only:
        choices = [current_status] if current_status else []
    choice_ids = {s["id"] for s in choices}
    default_status = (
        full.get("task_status_id")
        if full.get("task_status_id") in choice_ids
        else (choices[0]["id"] if choices else None)
    )
    form = dict(form or {})
    form.setdefault("text", "")
    form.setdefault("checklist", "")
    if form.get("task_status_id") not in choice_ids:
        form["task_status_id"] = default_status

    team = set(project.get("team") or [])
    assignable = assignable_people(
        role, me, task_type, persons, team, assignee_ids
    )
    preview_list = sorted(
        (preview_media(p) for p in previews),
        key=lambda m: (m["revision"] or 0), reverse=True,
    )
    entity = full.get("entity") or {}
    entity_thumbnail = None
    if entity.get("preview_file_id"):
        entity_thumbnail = (
            "/api/pictures/thumbnails/preview-files/"
            f"{entity['preview_file_id']}.png"
            f"?v={media_version(entity.get('updated_at'))}"
        )
    here = page_url()
    settings = current_app.config["KITSU"]
    context = {
        "mode": mode,
        "task": full,
        "task_id": full["id"],
        "entity": entity,
        "entity_label": entity_label(full),
        "entity_thumbnail": entity_thumbnail,
        "project": project,
        "task_type": task_type,
        "task_status": current_status,
        "assignees": [
            persons.get(pid) or {"id": pid, "full_name": "Unknown person"}
            for pid in assignee_ids
        ],
        "can_unassign": {
            pid: (
                role in MANAGER_ROLES or is_supervisor_here
                or (pid == me["id"] and is_assigned)
            )
            for pid in assignee_ids
        },
        "assignable": assignable,
        "comments": prepared,
        "previews": preview_list,
        "latest_preview": preview_list[0] if preview_list else None,
        "statuses": choices,
        "can_comment": bool(choices) and (can_act or mentioned_only),
        "mentioned_only": mentioned_only,
        "can_publish": can_act,
        "role": role,
        "form": form,
        "message": message,
        "message_kind": message_kind,
        "message_at": message_at,
        "retry_comment_id": retry_comment_id,
        "open_preview": None,
        "priority_label": dict(PRIORITIES).get(full.get("priority") or 0),
        "hours_per_day": _hours_per_day(),
        "task_page_url": task_page_url(full),
        "refresh_url": url_for("tasks.panel", task_id=full["id"]),
        "page_url": (
            with_task(here, full["id"]) if mode == "panel"
            else task_page_url(full)
        ),
        "close_url": with_task(here, None),
        "max_upload_bytes": settings.max_upload_bytes,
    }
    # Templates read everything through ``panel``, whether a page passes
    # this dict as keyword arguments or as ``panel=``.
    context["panel"] = context
    return context


def assignable_people(role, me, task_type, persons, team, assignee_ids):
    """People the user may add to this task, by name."""
    if role in MANAGER_ROLES or (
        role == "supervisor" and not me.get("departments")
    ):
        candidates = [persons[p] for p in team if p in persons]
    elif role == "supervisor" and in_department(me, task_type):
        mine = set(me.get("departments") or [])
        candidates = [
            persons[p] for p in team
            if p in persons and mine & set(persons[p].get("departments") or [])
        ]
    elif task_type.get("department_id") in (me.get("departments") or []):
        candidates = [persons[me["id"]]] if me["id"] in persons else []
    else:
        candidates = []
    return sorted(
        (
            p for p in candidates
            if p["id"] not in assignee_ids and not p.get("is_bot")
            and p.get("active", True)
        ),
        key=lambda p: (p.get("full_name") or "").lower(),
    )


def _hours_per_day():
    organisation = getattr(current_user, "organisation", None) or {}
    return organisation.get("hours_by_day") or 8



def offline_panel_context(task_id, form=None, message=None, mode="panel",
                          retry_comment_id=None):
    """A panel that keeps the typed comment while Zou cannot be reached."""
    form = dict(form or {})
    form.setdefault("text", "")
    form.setdefault("checklist", "")
    here = page_url()
    status_id = form.get("task_status_id")
    context = {
        "mode": mode,
        "offline": True,
        "task_id": task_id,
        "form": form,
        "message": message,
        "message_at": "form",
        "retry_comment_id": retry_comment_id,
        "statuses": [
            {"id": status_id, "short_name": "kept",
             "name": "the status you chose"}
        ] if status_id else [],
        "can_comment": True,
        "can_publish": True,
        "role": current_user.role,
        "refresh_url": url_for("tasks.panel", task_id=task_id),
        "page_url": with_task(here, task_id) if mode == "panel" else here,
        "close_url": with_task(here, None),
        "max_upload_bytes": current_app.config["KITSU"].max_upload_bytes,
    }
    context["panel"] = context
    return context
