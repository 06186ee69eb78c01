"""HTTP transport to Zou: one pooled session, the token rule, error mapping.

The token rule lives here and nowhere else:

* 401 "Signature has expired": refresh once (shared by concurrent requests
  of the same session), then retry once;
* any other 401, any 422, or a failed refresh: the session is over;
* 403 / 404: the object is not available to this user;
* 400: Zou rejected the content;
* connection errors, time-outs and 5xx: Zou is unavailable.
"""

import base64
import json
import logging
import time

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from .errors import (
    NotAvailable,
    SessionEnded,
    ZouRejected,
    ZouUnavailable,
)

log = logging.getLogger(__name__)

EXPIRED_MESSAGE = "Signature has expired"
# Zou's gunicorn closes idle keep-alive connections after a few seconds; a
# request sent on such a pooled connection just then is dropped. Safe
# methods are sent again once on a fresh connection; nothing else is.
class _DroppedConnectionRetry(Retry):
    """Retry only a dropped connection, never a read that timed out: a
    slow Zou must not make the user wait twice."""

    def increment(self, method=None, url=None, response=None, error=None,
                  _pool=None, _stacktrace=None):
        """Give up at once on time-outs; otherwise count as usual."""
        if isinstance(error, ReadTimeoutError):
            raise error
        return super().increment(method, url, response, error, _pool,
                                 _stacktrace)


SAFE_RETRY = _DroppedConnectionRetry(
    total=1,
    connect=0,
    read=1,
    status=0,
    other=0,
    redirect=0,
    allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
    raise_on_status=False,
    respect_retry_after_header=False,
)
USER_AGENT = "kitsu-web"
# A streamed upload cannot be replayed: refresh a token first when it has
# less than this many seconds left.
UPLOAD_MIN_VALIDITY = 300
# After a refresh Zou did not answer, the session's next refreshes fail at
# once for this many seconds.
REFRESH_BACKOFF = 5
# An answer whose body breaks off (Zou killed mid-answer, a garbled
# encoding) is as unavailable as one that never came.
BROKEN_ANSWER = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class StreamBody:
    """A request body read piece by piece, never held whole in memory.

    ``chunks`` yields bytes. Built with ``stream_body()``: a body of known
    length is sent with that ``Content-Length``, any other goes out
    chunked.
    """

    def __init__(self, chunks):
        self.chunks = chunks

    def __iter__(self):
        return iter(self.chunks)


class SizedStreamBody(StreamBody):
    """A streamed body whose length is known in advance."""

    def __init__(self, chunks, length):
        super().__init__(chunks)
        self.length = length

    def __len__(self):
        return self.length


def stream_body(chunks, length=None):
    """The body to pass as ``data=`` for a streamed upload."""
    if length:
        return SizedStreamBody(chunks, length)
    return StreamBody(chunks)


class ZouClient:
    """A pooled HTTP session to one Zou API, shared by the whole process."""

    def __init__(self, base_url, timeout=30.0, upload_timeout=900.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.upload_timeout = upload_timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(
            pool_connections=4, pool_maxsize=64, max_retries=SAFE_RETRY
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        # Zou sets token cookies for browser user agents only: never be one.
        self.session.headers["User-Agent"] = USER_AGENT

    @classmethod
    def init_app(cls, app, settings):
        """Create the app's client and attach it to ``app.extensions``."""
        app.extensions["zou"] = cls(
            settings.api_target,
            timeout=settings.zou_timeout,
            upload_timeout=settings.upload_timeout,
        )

    def url(self, path):
        """The absolute URL of a Zou path (Zou serves at its root)."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def send(self, method, path, *, token=None, timeout=None, **kwargs):
        """Send one request; connection failures become ``ZouUnavailable``.

        The response is returned whatever its status: callers that want
        Zou's errors mapped use ``ZouCaller``. ``data`` may be a
        ``StreamBody`` (sent as it is read, with the upload time-out) and
        ``stream=True`` leaves the answer's body unread for the caller to
        iterate and close.
        """
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if timeout is None:
            timeout = self.timeout
            if isinstance(kwargs.get("data"), StreamBody):
                timeout = (self.timeout, self.upload_timeout)
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.url(path),
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.Timeout as exc:
            log.warning("zou %s %s timed out", method, path)
            raise ZouUnavailable("Zou did not answer in time.") from exc
        except requests.ConnectionError as exc:
            log.warning("zou %s %s unreachable", method, path)
            raise ZouUnavailable("Zou cannot be reached.") from exc
        except BROKEN_ANSWER as exc:
            log.warning("zou %s %s answer broken off", method, path)
            raise ZouUnavailable("Zou's answer was cut short.") from exc
        log.debug(
            "zou %s %s -> %s in %.0f ms",
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return response


def raw_chunks(response, chunk_size):
    """The body of a streamed answer as Zou sent it, piece by piece.

    Still encoded (gzip stays gzip). A transfer that breaks off or stalls
    past the time-out raises ``ZouUnavailable``; the response is closed
    either way once the pieces stop.
    """
    try:
        yield from response.raw.stream(chunk_size, decode_content=False)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        log.warning("zou answer broken off: %s", type(exc).__name__)
        raise ZouUnavailable("Zou's answer was cut short.") from exc
    finally:
        response.close()


def token_expiry(token):
    """The ``exp`` claim of a JWT, read without verifying it (or None)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload)).get("exp")
    except (IndexError, ValueError, AttributeError):
        return None


def _valid_for(token, seconds):
    """True unless the token expires within ``seconds``."""
    expiry = token_expiry(token)
    return expiry is None or expiry - time.time() >= seconds


def body_of(response):
    """Zou's JSON body as a dict, or an empty dict."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def is_expired_answer(response):
    """True when Zou says the access token's signature has expired."""
    return (
        response.status_code == 401
        and body_of(response).get("message") == EXPIRED_MESSAGE
    )


def raise_for_answer(response):
    """Turn an error answer from Zou into one of the typed exceptions."""
    status = response.status_code
    if status < 400:
        return
    body = body_of(response)
    message = body.get("message") or body.get("msg") or ""
    if status in (401, 422):
        raise SessionEnded(message, status, body)
    if status in (403, 404):
        raise NotAvailable(message, status, body)
    if status >= 500:
        raise ZouUnavailable("Zou failed to answer.", status, body)
    raise ZouRejected(message or "Zou refused the request.", status, body)


class BearerAuth:
    """A fixed token (a bot, or a caller's own ``Authorization`` header)."""

    def __init__(self, token):
        self.token = token

    def access_token(self, min_validity=0):
        """The token to send."""
        return self.token

    def refresh(self, client, failed_token, min_validity=0):
        """Fixed tokens cannot be refreshed."""
        raise SessionEnded("The token has expired.", 401)

    def end(self):
        """Nothing to forget for a fixed token."""


class SessionAuth:
    """The tokens of the logged-in user, kept in the server-side store."""

    def __init__(self, store):
        self.store = store

    def access_token(self, min_validity=0):
        """The session's access token; refreshed first if about to expire."""
        tokens = self.store.get()
        if not tokens:
            raise SessionEnded("Not logged in.", 401)
        token = tokens["access"]
        if min_validity and not _valid_for(token, min_validity):
            return None
        return token

    def refresh(self, client, failed_token, min_validity=0):
        """Refresh once for all concurrent requests of this session.

        ``failed_token`` is the token Zou just called expired (None for a
        refresh ahead of a streamed upload): when another request has
        already replaced it, that newer token is used without asking Zou.
        """
        # Held for at most one refresh (connect and read time-outs); those
        # waiting give up after about one, as Zou is then not answering.
        timeout = client.timeout
        try:
            with self.store.lock(hold=2 * timeout + 5, wait=timeout + 5):
                return self._refresh(client, failed_token, min_validity)
        except TimeoutError as exc:
            log.warning("token refresh still running elsewhere; gave up")
            raise ZouUnavailable("Zou did not answer in time.") from exc

    def _refresh(self, client, failed_token, min_validity):
        """The refresh itself, under the session's lock."""
        tokens = self.store.get()
        if not tokens:
            raise SessionEnded("Not logged in.", 401)
        current = tokens["access"]
        if failed_token and current != failed_token:
            return current
        if not failed_token and _valid_for(current, min_validity):
            return current
        if self.store.refresh_failed_recently():
            # Requests that queued behind a refresh Zou left unanswered
            # give up at once instead of waiting as long again each.
            raise ZouUnavailable("Zou did not answer in time.")
        try:
            response = client.send(
                "GET", "/auth/refresh-token", token=tokens["refresh"]
            )
        except ZouUnavailable:
            self.store.note_refresh_failed(REFRESH_BACKOFF)
            raise
        if response.status_code >= 500:
            log.warning("token refresh failed (%s)", response.status_code)
            self.store.note_refresh_failed(REFRESH_BACKOFF)
            raise ZouUnavailable("Zou failed to answer.")
        access = body_of(response).get("access_token")
        if response.status_code != 200 or not access:
            log.info("token refresh refused (%s)", response.status_code)
            self.store.delete()
            raise SessionEnded("The session has ended.", 401)
        self.store.update_access(access)
        log.info("access token refreshed")
        return access

    def end(self):
        """Forget the session's tokens."""
        self.store.delete()


class ZouCaller:
    """Requests to Zou on behalf of one identity, with the token rule."""

    def __init__(self, client, auth):
        self.client = client
        self.auth = auth

    def send(self, method, path, *, replayable=True, **kwargs):
        """Send with the token rule applied; return the raw response.

        ``replayable=False`` (a streamed upload) refreshes a token close to
        expiry before sending, and never sends twice: an expired answer
        then ends the session like any other 401.
        """
        if self.auth is None:
            return self.client.send(method, path, **kwargs)
        token = self._token_for(replayable)
        response = self.client.send(method, path, token=token, **kwargs)
        if replayable and is_expired_answer(response):
            response.close()
            token = self.auth.refresh(self.client, token)
            response = self.client.send(method, path, token=token, **kwargs)
        if response.status_code in (401, 422):
            self.auth.end()
        return response

    def _token_for(self, replayable):
        validity = 0 if replayable else UPLOAD_MIN_VALIDITY
        token = self.auth.access_token(min_validity=validity)
        if token is None:
            token = self.auth.refresh(self.client, None, validity)
        return token

    def call(self, method, path, **kwargs):
        """Send and return Zou's JSON body; errors raise typed exceptions."""
        response = self.send(method, path, **kwargs)
        raise_for_answer(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ZouUnavailable("Zou sent an unreadable answer.") from exc

    def get(self, path, params=None, **kwargs):
        """GET a Zou path and return its JSON."""
        return self.call("GET", path, params=params, **kwargs)

    def post(self, path, json=None, **kwargs):
        """POST JSON to a Zou path and return its JSON."""
        return self.call("POST", path, json=json, **kwargs)

    def put(self, path, json=None, **kwargs):
        """PUT JSON to a Zou path and return its JSON."""
        return self.call("PUT", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        """DELETE a Zou path."""
        return self.call("DELETE", path, **kwargs)
