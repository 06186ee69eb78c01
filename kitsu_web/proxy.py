"""``/api/*``: Zou's API behind kitsu-web, for scripts, uploads and media.

Paths and query strings go to Zou with ``/api`` stripped; Zou's status,
headers and body come back as they are, streamed both ways, minus
``Set-Cookie`` and hop-by-hop headers. Credentials:

* a caller's own ``Authorization: Bearer`` header (gazu, plugins, bots)
  goes on unchanged; other schemes (a front proxy's Basic) never reach Zou;
* with the kitsu-web session instead, the user's token is added only for
  GET/HEAD of media (pictures, movies, attachment downloads) or when the
  request carries a valid ``X-CSRFToken`` header: a cross-site link must
  never reach Zou's state-changing GET routes as the user;
* anything else goes to Zou without credentials.
"""

import logging
import re
from itertools import chain
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Response, current_app, jsonify, request
from flask_wtf.csrf import ValidationError, validate_csrf
from werkzeug.routing import PathConverter

from . import zou
from .extensions import csrf
from .sessions import end_session, token_store
from .zou.client import raw_chunks, stream_body

log = logging.getLogger(__name__)

bp = Blueprint("proxy", __name__)
csrf.exempt(bp)  # The proxy checks the CSRF header itself.


class AnyPathConverter(PathConverter):
    """Any rest of the path, even one starting with a slash (then refused
    by ``zou_path`` with a 400 rather than an opaque 404)."""

    regex = ".*"
    part_isolating = False


bp.record_once(
    lambda state: state.app.url_map.converters.setdefault(
        "anypath", AnyPathConverter
    )
)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CHUNK = 256 * 1024

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
}
# Never forwarded to Zou: set by kitsu-web itself, or the browser's own.
REQUEST_DROPPED = HOP_BY_HOP | {
    "host",
    "cookie",
    "content-length",
    "user-agent",
    "x-forwarded-for",
    "x-real-ip",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-prefix",
    "x-forwarded-port",
    "forwarded",
    "x-csrftoken",
}
RESPONSE_DROPPED = HOP_BY_HOP | {"set-cookie", "server", "date"}

# Read-only media routes a page embeds (<img>, <video>, download links).
MEDIA_PATH = re.compile(
    r"^/(?:pictures|movies)/"
    r"|^/data/attachment-files/[^/]+/file/[^/]+$"
)
# Encoded slashes and backslashes, and NUL, however often encoded.
FORBIDDEN_RAW = ("%2f", "%5c", "\\", "%00")
SCHEME_START = re.compile(r"^/*[a-z][a-z0-9+.\-]*:", re.IGNORECASE)


class BodyTooLarge(Exception):
    """The request body went over the upload limit while streaming."""


def raw_target():
    """The request target as the client sent it (still percent-encoded)."""
    environ = request.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw is None:
        raw = request.full_path
    return raw


def zou_path():
    """The Zou path and query for this request, or None when unsafe."""
    raw = raw_target()
    if not raw.startswith("/api"):
        return None  # absolute-form target, or something stranger
    path, _, query = raw.partition("?")
    rest = path[len("/api"):]
    if rest and not rest.startswith("/"):
        return None
    rest = rest or "/"
    if "//" in rest or SCHEME_START.match(rest):
        return None
    once = unquote(rest)
    for form in (rest, once, unquote(once)):
        if any(marker in form.lower() for marker in FORBIDDEN_RAW):
            return None
        if any(part in (".", "..") for part in form.split("/")):
            return None
        if any(ord(ch) < 32 for ch in form):
            return None
    return rest + (f"?{query}" if query else "")


def forwarded_headers():
    """The caller's headers minus hop-by-hop ones, cookies and spoofing."""
    connection = request.headers.get("Connection", "")
    named = {h.strip().lower() for h in connection.split(",") if h.strip()}
    headers = {
        name: value
        for name, value in request.headers.items()
        if name.lower() not in REQUEST_DROPPED and name.lower() not in named
    }
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not (scheme.lower() == "bearer" and token.strip()):
        # Only a bearer is the caller's own identity at Zou; Basic
        # credentials are a front proxy's business and stay here.
        headers.pop("Authorization", None)
    address = request.remote_addr or ""
    headers["X-Forwarded-For"] = address
    headers["X-Real-IP"] = address
    if "Accept-Encoding" not in headers:
        # requests would ask for gzip on the caller's behalf otherwise.
        headers["Accept-Encoding"] = "identity"
    return headers


def has_body():
    """True when the request carries a body to stream."""
    length = request.content_length
    if length:
        return True
    encoding = request.headers.get("Transfer-Encoding", "").lower()
    return "chunked" in encoding


def body_chunks(limit):
    """Read the request body piece by piece, refusing more than ``limit``."""
    stream = request.stream
    total = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return
        total += len(chunk)
        if total > limit:
            raise BodyTooLarge()
        yield chunk


def error(status, message):
    """A JSON error in Zou's own shape."""
    return jsonify(error=True, message=message), status


def session_caller(path):
    """The session user's caller when this request may use their token.

    Returns (caller, refusal): refusal is a response when the CSRF header
    is present but invalid.
    """
    if not token_store().get():
        return None, None
    header = request.headers.get("X-CSRFToken")
    if header is not None:
        try:
            validate_csrf(header)
        except ValidationError:
            log.info("proxy: bad CSRF header on %s %s", request.method,
                     request.path)
            return None, error(400, "CSRF token missing or invalid.")
        return zou.current(), None
    bare = path.partition("?")[0]
    if request.method in ("GET", "HEAD") and MEDIA_PATH.match(bare):
        return zou.current(), None
    return None, None


@bp.route("/api/", defaults={"subpath": ""}, methods=METHODS,
          strict_slashes=False, merge_slashes=False)
@bp.route("/api/<anypath:subpath>", methods=METHODS, merge_slashes=False)
def passthrough(subpath):
    """Relay one request to Zou and stream its answer back."""
    settings = current_app.config["KITSU"]
    path = zou_path()
    if path is None:
        return error(400, "This path is not allowed.")
    length = request.content_length
    if length is not None and length > settings.max_upload_bytes:
        return error(413, "The upload is larger than the allowed size.")

    headers = forwarded_headers()
    # A caller's own Bearer header travels in ``headers`` as it is.
    caller, refusal = None, None
    if "Authorization" not in headers:
        caller, refusal = session_caller(path)
        if refusal is not None:
            return refusal
    session_auth = caller is not None
    caller = caller or zou.anonymous()

    kwargs = {"headers": headers, "stream": True}
    replayable = True
    if has_body():
        replayable = False
        kwargs["data"] = stream_body(
            body_chunks(settings.max_upload_bytes), length
        )
    try:
        upstream = caller.send(
            request.method, path, replayable=replayable, **kwargs
        )
    except BodyTooLarge:
        return error(413, "The upload is larger than the allowed size.")
    except zou.SessionEnded:
        end_session()
        return error(401, "Not authenticated.")

    if session_auth and upstream.status_code in (401, 422):
        upstream.close()
        end_session()
        return error(401, "Not authenticated.")
    if (
        session_auth
        and path.partition("?")[0] == "/auth/logout"
        and upstream.status_code == 200
    ):
        end_session(force=True)
    return relay(upstream)


def local_location(value):
    """A ``Location`` on Zou's own address, moved under ``/api``.

    Zou builds its redirects (trailing slashes, say) from the address
    kitsu-web reaches it at, which browsers cannot reach. Any other
    location is left as it is.
    """
    base = zou.client().base_url
    root = urlsplit(base).path  # "" when Zou serves at its root
    for start in (base, root):
        if value.startswith(start + "/") and not value.startswith("//"):
            return request.script_root + "/api" + value[len(start):]
    return value


def relay(upstream):
    """Zou's answer as a streamed response, minus what must not pass."""
    headers = [
        (name, local_location(value) if name.lower() == "location"
         else value)
        for name, value in upstream.raw.headers.items()
        if name.lower() not in RESPONSE_DROPPED
    ]

    if request.method == "HEAD" or upstream.status_code in (204, 304):
        upstream.close()
        body = []
    else:
        # The first piece is read here, before any header goes out: a Zou
        # that fails before its body starts still gets the JSON 503. A
        # failure later can only cut the connection.
        chunks = raw_chunks(upstream, CHUNK)
        first = next(chunks, b"")
        body = chain([first], chunks) if first else []
    response = Response(
        body,
        status=upstream.status_code,
        headers=headers,
        direct_passthrough=True,
    )
    response.call_on_close(upstream.close)
    return response
