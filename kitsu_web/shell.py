"""The app shell: production, episode and section selectors, sidebar.

Everything here is derived from the URL and the user's context: which
production and episode a page shows is in its path, never in the
session, so two tabs on different episodes never affect each other.
"""

from flask import Blueprint, current_app, redirect, request, url_for
from flask_login import current_user, login_required

from . import zou
from .zou import context as zou_context
from .zou import entities as zou_entities

bp = Blueprint("shell", __name__)

PRODUCTION_TYPES = {
    "tvshow": "TV show",
    "short": "Short",
    "featurefilm": "Feature film",
    "assets": "Assets only",
    "shots": "Shots only",
}

# Sections of a production, in Kitsu's order: (key, label, endpoint).
SECTIONS = [
    ("assets", "Assets", "lists.assets"),
    ("shots", "Shots", "lists.shots"),
    ("sequences", "Sequences", "lists.sequences"),
    ("episodes", "Episodes", "lists.episodes"),
    ("breakdown", "Breakdown", "breakdown.index"),
    ("playlists", "Playlists", "playlists.index"),
    ("news", "News feed", "news.production"),
    ("schedule", "Schedule", "schedules.production"),
    ("team", "Team", "team.index"),
    ("settings", "Settings", "settings.production"),
]
EPISODE_SECTIONS = {"assets", "shots", "sequences", "playlists",
                    "breakdown", "schedule"}
NO_CLIENT = {"sequences", "episodes", "breakdown", "news", "schedule",
             "team", "settings"}
CLIENT_ORDER = ["playlists", "assets", "shots"]
VENDOR_SECTIONS = {"assets", "shots", "sequences", "episodes"}
MANAGER_SECTIONS = {"settings"}

# Sidebar: (group, label, endpoint, who may see it).
SIDEBAR = [
    ("Workspace", "My Tasks", "tasks.my_tasks", "no-client"),
    ("Workspace", "My Checks", "tasks.my_checks", "sup"),
    ("Workspace", "My Productions", "productions.open_productions", "all"),
    ("Workspace", "Notifications", "notifications.index", "all"),
    ("Studio", "Productions", "productions.all_productions", "admin"),
    ("Studio", "People", "people.index", "admin"),
    ("Studio", "Timesheets", "timesheets.index", "studio"),
    ("Studio", "Team schedule", "schedules.team", "sup"),
    ("Studio", "All tasks", "tasks.all_tasks", "sup"),
    ("Studio", "News feed", "news.index", "admin"),
    ("Admin", "Task types", "libraries.task_types", "admin"),
    ("Admin", "Task statuses", "libraries.task_statuses", "admin"),
    ("Admin", "Asset types", "libraries.asset_types", "admin"),
    ("Admin", "Departments", "libraries.departments", "admin"),
    ("Admin", "Settings", "settings.studio", "admin"),
]


def _allowed(rule, role):
    """Whether a sidebar rule lets ``role`` see the link."""
    return {
        "all": True,
        "no-client": role != "client",
        "studio": role not in ("client", "vendor"),
        "sup": role in ("admin", "manager", "supervisor"),
        "admin": role == "admin",
    }[rule]


def sidebar_groups(user, endpoint=None):
    """The sidebar's groups of (label, url, active) the user may see."""
    if not getattr(user, "is_authenticated", False):
        return []
    views = current_app.view_functions
    groups = []
    for group, label, target, rule in SIDEBAR:
        if target not in views or not _allowed(rule, user.role):
            continue
        if not groups or groups[-1][0] != group:
            groups.append((group, []))
        groups[-1][1].append((label, url_for(target), target == endpoint))
    return groups


def initials_of(name):
    """Up to two capital letters for a production without a picture."""
    words = [w for w in (name or "").split() if w[:1].isalnum()]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    return (name or "?")[:2].upper()


def colour_class(key):
    """One of eight stable colour classes for a picture-less avatar."""
    return f"pc-{sum(map(ord, key or '')) % 8}"


def project_role(context, user, project_id):
    """The user's role on a production (Zou's per-production override)."""
    if user.role == "admin":
        return "admin"
    role = (context.get("project_roles") or {}).get(project_id)
    return role if role and role != "admin" else user.role


def role_class(role, user_id):
    """Who shares a cached list: studio roles, clients, each vendor."""
    if role == "client":
        return "client"
    if role == "vendor":
        return f"vendor:{user_id}"
    return "studio"


def get_production(caller, project_id):
    """An open production of the user, from the context, or 404."""
    project = zou_context.get_open_projects(caller).get(project_id)
    if project is None:
        raise zou.NotAvailable("No such production.", 404)
    return project


def is_tv(project):
    """TV shows have episodes."""
    return project.get("production_type") == "tvshow"


def section_keys(project, role):
    """The sections of a production this role sees, in menu order."""
    views = current_app.view_functions
    kind = project.get("production_type")
    keys = []
    for key, _, endpoint in SECTIONS:
        if endpoint not in views:
            continue
        if key == "episodes" and kind != "tvshow":
            continue
        if kind == "assets" and key in ("shots", "sequences", "episodes"):
            continue
        if kind == "shots" and key == "assets":
            continue
        if role == "client" and key in NO_CLIENT:
            continue
        if role == "vendor" and key not in VENDOR_SECTIONS:
            continue
        if key in MANAGER_SECTIONS and role not in ("admin", "manager"):
            continue
        keys.append(key)
    if role == "client":
        keys.sort(key=lambda k: CLIENT_ORDER.index(k)
                  if k in CLIENT_ORDER else len(CLIENT_ORDER))
    return keys


def section_url(project, key, episode_id=None):
    """The URL of a section, under an episode for TV shows."""
    endpoint = dict((k, e) for k, _, e in SECTIONS)[key]
    if episode_id and key in EPISODE_SECTIONS and is_tv(project):
        episode_endpoint = endpoint.replace(".", ".episode_", 1)
        if episode_endpoint in current_app.view_functions:
            return url_for(episode_endpoint, project_id=project["id"],
                           episode_id=episode_id)
    return url_for(endpoint, project_id=project["id"])


def production_bar(caller, user, project, section, episode_id=None):
    """What the top bar shows on a production page."""
    context = zou_context.get_user_context(caller)
    role = project_role(context, user, project["id"])
    labels = {k: label for k, label, _ in SECTIONS}
    keys = section_keys(project, role)
    productions = []
    for other in sorted(context.get("projects") or (),
                        key=lambda p: (p.get("name") or "").lower()):
        other_role = project_role(context, user, other["id"])
        other_keys = section_keys(other, other_role)
        if not other_keys:
            continue
        target = section if section in other_keys else other_keys[0]
        productions.append({
            "name": other.get("name"),
            "url": section_url(other, target),
            "selected": other["id"] == project["id"],
        })
    episodes = None
    if is_tv(project) and section in EPISODE_SECTIONS:
        episodes = [{
            "name": "All episodes",
            "url": section_url(project, section, "all"),
            "selected": episode_id == "all",
        }]
        if section == "assets":
            episodes.append({
                "name": "Main pack",
                "url": section_url(project, section, "main"),
                "selected": episode_id == "main",
            })
        for episode in list_episodes(caller, project["id"]):
            episodes.append({
                "name": episode.get("name"),
                "url": section_url(project, section, episode["id"]),
                "selected": episode["id"] == episode_id,
            })
    return {
        "project": project,
        "initials": initials_of(project.get("name")),
        "colour": colour_class(project["id"]),
        "role": role,
        "productions": productions,
        "episodes": episodes,
        "sections": [
            {"key": key, "name": labels[key],
             "url": section_url(project, key, episode_id),
             "selected": key == section}
            for key in keys
        ],
    }


def list_episodes(caller, project_id):
    """The production's episodes, by name, read once per request."""
    from flask import g

    cache = g.setdefault("kitsu_episodes", {})
    if project_id not in cache:
        episodes = zou_entities.get_episodes(caller, project_id) or []
        cache[project_id] = sorted(
            episodes, key=lambda e: (e.get("name") or "").lower()
        )
    return cache[project_id]


def default_episode(caller, project, section):
    """Where a TV show's section opens when the URL names no episode."""
    if section == "assets":
        return "all"
    episodes = list_episodes(caller, project["id"])
    return episodes[0]["id"] if episodes else "all"


@bp.get("/go")
@login_required
def go():
    """Follow a selector without JavaScript: redirect to a local page."""
    from .auth.redirects import safe_next

    return redirect(safe_next(request.args.get("to")), code=303)


@bp.app_context_processor
def shell_context():
    """Template helpers of the shell, for logged-in pages."""
    return {
        "sidebar_groups": lambda: sidebar_groups(
            current_user, request.endpoint
        ),
        "production_types": PRODUCTION_TYPES,
    }
