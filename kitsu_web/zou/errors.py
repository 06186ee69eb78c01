"""The few exceptions every Zou answer is turned into.

Views and templates never see HTTP status codes from Zou: the client maps
them here, and ``kitsu_web.errors`` maps these onto pages and redirects.
"""


class ZouError(Exception):
    """Base class for errors raised by the Zou client."""

    def __init__(self, message="", status=None, payload=None):
        super().__init__(message or self.__class__.__doc__)
        self.message = message or (self.__class__.__doc__ or "").strip()
        self.status = status
        self.payload = payload or {}


class SessionEnded(ZouError):
    """The user's Zou session is over: log in again."""


class NotAvailable(ZouError):
    """Zou refused (403) or does not know (404) the requested object."""


class ZouRejected(ZouError):
    """Zou refused the request's content (400): a validation error."""

    @property
    def field_errors(self):
        """Zou's per-field messages, when it sent any."""
        data = self.payload.get("data")
        return data if isinstance(data, dict) else {}


class ZouUnavailable(ZouError):
    """Zou could not be reached, timed out or failed (5xx)."""
