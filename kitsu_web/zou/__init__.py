"""The only place in kitsu-web that speaks HTTP to Zou.

``ZouClient`` owns one pooled ``requests.Session`` per process, attached to
the app in the factory. ``current()`` gives the caller bound to the
logged-in user of this request; domain modules (``auth``, ``projects``,
``entities``, ``tasks`` …) take such a caller as their first argument.
"""

from flask import current_app, g

from . import auth, context, projects  # noqa: F401  (domain modules)
from .client import BearerAuth, SessionAuth, ZouCaller, ZouClient
from .errors import (
    NotAvailable,
    SessionEnded,
    ZouError,
    ZouRejected,
    ZouUnavailable,
)

__all__ = [
    "BearerAuth",
    "NotAvailable",
    "SessionAuth",
    "SessionEnded",
    "ZouCaller",
    "ZouClient",
    "ZouError",
    "ZouRejected",
    "ZouUnavailable",
    "client",
    "current",
    "anonymous",
]


def client():
    """The app's shared Zou client."""
    return current_app.extensions["zou"]


def current():
    """A caller that acts as the logged-in user of this request."""
    if "zou_caller" not in g:
        from ..sessions import token_store

        g.zou_caller = ZouCaller(client(), SessionAuth(token_store()))
    return g.zou_caller


def anonymous():
    """A caller with no credentials (login, password reset, health)."""
    return ZouCaller(client(), None)
