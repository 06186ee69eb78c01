"""Managers' actions on the lists: create, rename and delete entities,
and create tasks for a task type over many entities in short batches.

Every form is a plain POST that redirects back to the list it came from
(``next``), so it works without JavaScript; Zou checks the rights again.
"""

import logging
import secrets

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from .. import shell, zou
from ..auth.redirects import safe_next
from ..htmx import hx_redirect, is_fragment_request, render
from ..sessions import store
from ..zou import context as zou_context
from ..zou import entities as zou_entities
from . import bp, cache, grid

log = logging.getLogger(__name__)

BATCH_SIZE = 100  # entities per create-tasks request to Zou
JOB_TTL = 3600
MAX_NAME = 200
SEGMENT_RULE = "<any(assets, shots, sequences, episodes):segment>"


def manage_context(state):
    """Choices the create forms of a list offer."""
    known = grid.by_id(state.context.get("asset_types"))
    context = {
        "next": request.full_path.rstrip("?"),
        "task_types": state.columns,
        "episode_id": state.episode_id,
    }
    if state.family == "asset":
        context["asset_types"] = sorted(
            (known[i] for i in state.project.get("asset_types") or ()
             if i in known),
            key=lambda t: (t.get("name") or "").lower(),
        ) or sorted(known.values(), key=lambda t: t.get("name") or "")
    if state.family == "shot":
        sequences = zou_entities.get_sequences(state.caller, state.project_id)
        if state.is_tv and state.episode_id not in (None, "all", "main"):
            sequences = [s for s in sequences
                         if s.get("parent_id") == state.episode_id]
        context["sequences"] = sorted(
            sequences, key=lambda s: (s.get("name") or "").lower()
        )
    if state.family in ("shot", "sequence") and state.is_tv:
        context["episodes"] = shell.list_episodes(state.caller,
                                                  state.project_id)
    return context


def _manager(project_id):
    """The caller and production when the user manages it, else 404."""
    caller = zou.current()
    context = zou_context.get_user_context(caller)
    project = shell.get_production(caller, project_id)
    role = shell.project_role(context, current_user, project_id)
    if role not in ("admin", "manager"):
        abort(404)
    return caller, project


def _back(project_id, segment):
    """The list the form came from."""
    default = url_for(f"lists.{segment}", project_id=project_id)
    return safe_next(request.form.get("next"), default)


def _name(field="name"):
    """A required, trimmed name from the form, or None (flashed)."""
    name = " ".join((request.form.get(field) or "").split())
    if not name:
        flash("A name is required.", "error")
        return None
    if len(name) > MAX_NAME:
        flash(f"Names are at most {MAX_NAME} characters.", "error")
        return None
    return name


def _done(project_id, message):
    """Drop the cached lists and say what happened."""
    cache.invalidate(project_id)
    log.info("project %s: %s", project_id, message)
    flash(message, "success")


def _rejected(exc):
    """Zou's refusal, said in the list's flash area."""
    flash(f"Zou refused: {exc.message}", "error")


@bp.post("/productions/<project_id>/assets/new")
@login_required
def create_asset(project_id):
    """Create an asset of a type."""
    caller, project = _manager(project_id)
    back = _back(project_id, "assets")
    name = _name()
    asset_type_id = request.form.get("asset_type_id") or ""
    if name and asset_type_id:
        try:
            zou_entities.create_asset(
                caller, project_id, asset_type_id, name,
                request.form.get("description", "").strip(),
            )
            _done(project_id, f"Asset “{name}” created.")
        except zou.ZouRejected as exc:
            _rejected(exc)
    elif name:
        flash("Choose an asset type.", "error")
    return redirect(back, code=303)


@bp.post("/productions/<project_id>/shots/new")
@login_required
def create_shot(project_id):
    """Create a shot, in an existing or a new sequence."""
    caller, project = _manager(project_id)
    back = _back(project_id, "shots")
    name = _name()
    if not name:
        return redirect(back, code=303)
    sequence_id = request.form.get("sequence_id") or ""
    new_sequence = " ".join((request.form.get("new_sequence") or "").split())
    frames = (request.form.get("nb_frames") or "").strip()
    if frames and not (frames.isascii() and frames.isdigit()):
        flash("Frames must be a whole number.", "error")
        return redirect(back, code=303)
    try:
        if new_sequence:
            episode_id = request.form.get("episode_id") or None
            if shell.is_tv(project) and not episode_id:
                flash("Choose the episode of the new sequence.", "error")
                return redirect(back, code=303)
            sequence_id = zou_entities.create_sequence(
                caller, project_id, new_sequence, episode_id
            )["id"]
        if not sequence_id:
            flash("Choose a sequence or name a new one.", "error")
            return redirect(back, code=303)
        zou_entities.create_shot(
            caller, project_id, sequence_id, name,
            int(frames) if frames else None,
            request.form.get("description", "").strip(),
        )
        _done(project_id, f"Shot “{name}” created.")
    except zou.ZouRejected as exc:
        _rejected(exc)
    return redirect(back, code=303)


@bp.post("/productions/<project_id>/sequences/new")
@login_required
def create_sequence(project_id):
    """Create a sequence (in an episode for TV shows)."""
    caller, project = _manager(project_id)
    back = _back(project_id, "sequences")
    name = _name()
    episode_id = request.form.get("episode_id") or None
    if name and shell.is_tv(project) and not episode_id:
        flash("Choose the episode of the new sequence.", "error")
    elif name:
        try:
            zou_entities.create_sequence(caller, project_id, name,
                                         episode_id)
            _done(project_id, f"Sequence “{name}” created.")
        except zou.ZouRejected as exc:
            _rejected(exc)
    return redirect(back, code=303)


@bp.post("/productions/<project_id>/episodes/new")
@login_required
def create_episode(project_id):
    """Create an episode of a TV show."""
    caller, project = _manager(project_id)
    back = _back(project_id, "episodes")
    name = _name()
    if name:
        try:
            zou_entities.create_episode(caller, project_id, name)
            _done(project_id, f"Episode “{name}” created.")
        except zou.ZouRejected as exc:
            _rejected(exc)
    return redirect(back, code=303)


def _entity(caller, project_id, segment, entity_id):
    """An entity of this production and family, or 404."""
    entity = zou_entities.get_entity(caller, entity_id)
    if entity.get("project_id") != project_id:
        abort(404)
    return entity


@bp.get(f"/productions/<project_id>/{SEGMENT_RULE}/<entity_id>/edit")
@login_required
def edit_entity(project_id, segment, entity_id):
    """Rename, describe, delete or restore an entity."""
    caller, project = _manager(project_id)
    entity = _entity(caller, project_id, segment, entity_id)
    back = safe_next(request.args.get("next"),
                     url_for(f"lists.{segment}", project_id=project_id))
    return render(
        "lists/edit.html", project=project, segment=segment, entity=entity,
        family=grid.FAMILIES[segment], next=back,
        bar=shell.production_bar(caller, current_user, project, segment),
    )


@bp.post(f"/productions/<project_id>/{SEGMENT_RULE}/<entity_id>/edit")
@login_required
def update_entity(project_id, segment, entity_id):
    """Save a new name and description."""
    caller, project = _manager(project_id)
    _entity(caller, project_id, segment, entity_id)
    back = _back(project_id, segment)
    name = _name()
    if name:
        try:
            zou_entities.update_entity(caller, entity_id, {
                "name": name,
                "description": request.form.get("description", "").strip(),
            })
            _done(project_id, f"Saved “{name}”.")
        except zou.ZouRejected as exc:
            _rejected(exc)
    return redirect(back, code=303)


@bp.post(f"/productions/<project_id>/{SEGMENT_RULE}/<entity_id>/delete")
@login_required
def delete_entity(project_id, segment, entity_id):
    """Cancel an entity with tasks, or delete it for good (``force``)."""
    caller, project = _manager(project_id)
    entity = _entity(caller, project_id, segment, entity_id)
    back = _back(project_id, segment)
    force = request.form.get("force") == "true"
    try:
        zou_entities.delete_entity(caller, grid.FAMILIES[segment],
                                   entity_id, force=force)
        cache.invalidate(project_id)
        still_there = not force and _exists(caller, entity_id)
        _done(project_id, (
            f"“{entity['name']}” is canceled: delete it again to remove it "
            "for good." if still_there else f"“{entity['name']}” deleted."
        ))
    except zou.ZouRejected as exc:
        _rejected(exc)
    return redirect(back, code=303)


def _exists(caller, entity_id):
    """Whether Zou still has the entity (a first delete cancels)."""
    try:
        zou_entities.get_entity(caller, entity_id)
    except zou.NotAvailable:
        return False
    return True


@bp.post(f"/productions/<project_id>/{SEGMENT_RULE}/<entity_id>/restore")
@login_required
def restore_entity(project_id, segment, entity_id):
    """Bring a canceled entity back."""
    caller, project = _manager(project_id)
    entity = _entity(caller, project_id, segment, entity_id)
    try:
        zou_entities.update_entity(caller, entity_id, {"canceled": False})
        _done(project_id, f"“{entity['name']}” restored.")
    except zou.ZouRejected as exc:
        _rejected(exc)
    return redirect(_back(project_id, segment), code=303)


# ---------------------------------------------------------------------------
# Create tasks in batches
# ---------------------------------------------------------------------------


def _job_key(job_id):
    return f"lists:task-job:{job_id}"


@bp.post(f"/productions/<project_id>/{SEGMENT_RULE}/create-tasks")
@login_required
def start_create_tasks(project_id, segment):
    """Plan tasks of one type for the list's (or the matched) entities."""
    from .views import ListState

    caller, project = _manager(project_id)
    episode_id = request.form.get("episode_id") or None
    state = ListState(project_id, segment, episode_id)
    back = _back(project_id, segment)
    task_type_id = request.form.get("task_type_id") or ""
    if task_type_id not in {c["id"] for c in state.columns}:
        flash("Choose a task type of this list.", "error")
        return _finish(back)
    entries = state.snapshot().entries
    if request.form.get("scope") == "matched":
        search = request.form.get("search", "")[:500]
        compiled = grid.compile_search(search, state.context, project,
                                       state.family, state.columns,
                                       state.role)
        entries = compiled.apply(entries)
    ids = [e["id"] for e in entries if task_type_id not in e["tasks"]]
    if not ids:
        flash("Every entity already has that task.", "info")
        return _finish(back)
    job_id = secrets.token_urlsafe(12)
    job = {
        "user_id": current_user.id, "project_id": project_id,
        "family": state.family, "task_type_id": task_type_id,
        "ids": ids, "position": 0, "created": 0, "next": back,
        "segment": segment,
    }
    store().set(_job_key(job_id), job, JOB_TTL)
    return _progress(project_id, job_id, job)


@bp.post("/productions/<project_id>/task-jobs/<job_id>")
@login_required
def continue_create_tasks(project_id, job_id):
    """Create the next batch of a planned set of tasks."""
    caller, project = _manager(project_id)
    job = store().get(_job_key(job_id))
    if not job or job["user_id"] != current_user.id or (
        job["project_id"] != project_id
    ):
        abort(404)
    batch = job["ids"][job["position"]:job["position"] + BATCH_SIZE]
    try:
        created = zou_entities.create_tasks(
            caller, job["family"], project_id, job["task_type_id"], batch
        )
    except zou.ZouRejected as exc:
        store().delete(_job_key(job_id))
        _rejected(exc)
        return _finish(job["next"])
    job["position"] += len(batch)
    job["created"] += len(created or ())
    cache.invalidate(project_id)
    if job["position"] >= len(job["ids"]):
        store().delete(_job_key(job_id))
        flash(f"{job['created']} tasks created.", "success")
        return _finish(job["next"])
    store().set(_job_key(job_id), job, JOB_TTL)
    return _progress(project_id, job_id, job)


def _progress(project_id, job_id, job):
    """The progress of a job; htmx continues it by itself."""
    total = len(job["ids"])
    return render(
        "lists/task_job.html", "lists/_task_job.html",
        job_id=job_id, project_id=project_id, done=job["position"],
        total=total, percent=int(100 * job["position"] / total),
        next=job["next"],
        continue_url=url_for("lists.continue_create_tasks",
                             project_id=project_id, job_id=job_id),
    )


def _finish(url):
    """Back to the list (a full navigation for htmx too)."""
    if is_fragment_request():
        return hx_redirect(url)
    return redirect(url, code=303)
