"""The landing page and the grid of the user's open productions."""

from flask import Blueprint, redirect, url_for
from flask_login import login_required

from .. import zou
from ..htmx import render

bp = Blueprint("productions", __name__)


@bp.get("/")
@login_required
def home():
    """Send each role to its home page (Kitsu: artists to My Tasks)."""
    from flask import current_app
    from flask_login import current_user

    if current_user.is_artist_like and (
        "tasks.my_tasks" in current_app.view_functions
    ):
        return redirect(url_for("tasks.my_tasks"))
    return redirect(url_for("productions.open_productions"))


@bp.get("/open-productions")
@login_required
def open_productions():
    """My Productions: each open production with its picture and name.

    Each card opens the production's first section for the user's role
    there (Kitsu: the assets, playlists first for clients).
    """
    from flask_login import current_user

    from .. import shell
    from ..zou import context as zou_context

    caller = zou.current()
    context = zou_context.get_user_context(caller)
    projects = sorted(context.get("projects") or (),
                      key=lambda p: (p.get("name") or "").lower())
    cards = []
    for project in projects:
        role = shell.project_role(context, current_user, project["id"])
        sections = shell.section_keys(project, role)
        cards.append({
            "project": project,
            "url": (shell.section_url(project, sections[0]) if sections
                    else url_for("productions.open_productions")),
            "initials": shell.initials_of(project.get("name")),
            "colour": shell.colour_class(project["id"]),
            "kind": shell.PRODUCTION_TYPES.get(
                project.get("production_type"),
                project.get("production_type") or "",
            ),
        })
    return render("productions/open_productions.html", cards=cards,
                  projects=projects)


@bp.post("/theme")
def set_theme():
    """Remember the light or dark theme in a cookie."""
    from flask import request

    from ..auth.redirects import safe_next

    theme = request.form.get("theme")
    response = redirect(safe_next(request.form.get("next")), code=303)
    if theme in ("light", "dark"):
        response.set_cookie("theme", theme, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True)
    return response
