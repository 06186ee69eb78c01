"""Production lists: assets, shots, sequences, episodes, with filters."""

from flask import Blueprint

bp = Blueprint("lists", __name__)

from . import manage, views  # noqa: E402,F401  (routes)
