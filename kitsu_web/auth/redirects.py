"""Where to send a user after login: same-site paths only."""

from urllib.parse import urlsplit


def safe_next(value, default="/"):
    """Return ``value`` if it is a same-site path, else ``default``.

    ``//host``, absolute URLs, backslash tricks and control characters are
    refused.
    """
    if not value or not isinstance(value, str):
        return default
    if any(ord(ch) < 32 for ch in value) or "\\" in value:
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    if value.startswith(("/login", "/logout")):
        return default
    return value
