"""Tasks: the side panel, the full task page, comments and previews,
My Tasks and bulk actions on selected tasks."""

from flask import Blueprint

bp = Blueprint("tasks", __name__)

from . import bulk, my_tasks, views  # noqa: E402,F401  (routes)
