"""Jinja filters and context shared by every template."""

from datetime import datetime, timezone

from flask_login import current_user

from . import __version__


def format_datetime(value, fmt="%Y-%m-%d %H:%M"):
    """A Zou UTC timestamp shown in the user's timezone."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(getattr(current_user, "timezone", None) or "UTC")
    except (KeyError, ValueError, ImportError):
        zone = timezone.utc
    except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError and friends
        zone = timezone.utc
    return moment.astimezone(zone).strftime(fmt)


def init_app(app):
    """Register filters and globals."""
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.globals["kitsu_web_version"] = __version__
    app.jinja_env.globals["production_home_url"] = production_home_url
    app.context_processor(endpoints)


def production_home_url(project):
    """The first page of a production: its asset list when it exists."""
    from flask import current_app, url_for

    for endpoint in ("lists.assets", "lists.shots"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, project_id=project["id"])
    return url_for("productions.open_productions")


def endpoints():
    """Endpoints that exist, so templates leave out links to missing pages."""
    from flask import current_app

    return {"kitsu_endpoints": set(current_app.view_functions)}
