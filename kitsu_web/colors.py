"""Zou's status and task type colours as one generated stylesheet.

The CSP forbids inline styles, so every status gets ``.st-<id>`` (also
``.status-<id>``) and every task type ``.tt-<id>`` (a ``--tt-colour``
variable and a left border) and ``.tt-dot-<id>``.
"""

import re

from flask import Blueprint, make_response
from flask_login import login_required

from . import zou
from .zou import context as zou_context

bp = Blueprint("colors", __name__)

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")
DEFAULT = "#999999"


def safe_colour(value, default=DEFAULT):
    """A CSS hex colour from Zou, or ``default`` for anything else."""
    value = (value or "").strip()
    return value if HEX_COLOUR.match(value) else default


def luminance(hex_colour):
    """Perceived brightness of a hex colour, 0 to 255."""
    digits = hex_colour.lstrip("#")
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits[:3])
    red, green, blue = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    return 0.299 * red + 0.587 * green + 0.114 * blue


def text_colour(hex_colour):
    """Dark text on light colours, white on dark ones."""
    return "#1f2328" if luminance(hex_colour) > 160 else "#ffffff"


def stylesheet_lines(context):
    """The CSS rules for the statuses and task types of a user context."""
    lines = []
    for status in context.get("task_status") or ():
        colour = safe_colour(status.get("color"))
        selector = f".st-{status['id']},.status-{status['id']}"
        lines.append(
            f"{selector}{{background:{colour};color:{text_colour(colour)}}}"
        )
        if luminance(colour) > 225:
            # Near-white statuses (Todo) would glare on the dark theme.
            lines.append(
                f'[data-theme="dark"] .st-{status["id"]},'
                f'[data-theme="dark"] .status-{status["id"]}'
                "{background:#5c6069;color:#eceff4}"
            )
    for task_type in context.get("task_types") or ():
        colour = safe_colour(task_type.get("color"))
        lines.append(
            f".tt-{task_type['id']}{{--tt-colour:{colour};"
            f"border-left-color:{colour}}}"
            f".tt-dot-{task_type['id']}{{background:{colour}}}"
        )
    return lines


@bp.get("/colors.css")
@login_required
def stylesheet():
    """Status and task type colours from Zou, as CSS classes."""
    context = zou_context.get_user_context(zou.current())
    response = make_response("\n".join(stylesheet_lines(context)) + "\n")
    response.mimetype = "text/css"
    return response
