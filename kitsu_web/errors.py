"""Where Zou's typed errors and HTTP errors become pages and redirects."""

import logging
from urllib.parse import quote, urlsplit

from flask import g, jsonify, redirect, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from . import zou
from .htmx import hx_redirect, is_fragment_request, render
from .sessions import end_session, token_store

log = logging.getLogger(__name__)

# Forms filled in without a session: a stale token there is said plainly.
ANONYMOUS_FORMS = {
    "auth.login_post",
    "auth.reset_password_post",
    "auth.reset_change_password_post",
}


def is_api_path():
    """True for the ``/api`` passthrough and everything below it."""
    return request.path == "/api" or request.path.startswith("/api/")


def wants_json():
    """API callers get JSON errors, browsers get pages."""
    return is_api_path() or (
        request.accept_mimetypes.best == "application/json"
    )


def page_path():
    """The page the user is on: the htmx page URL, the page a form was
    posted from (same site only), else this request's own."""
    current = request.headers.get("HX-Current-URL")
    if current and request.headers.get("HX-Request") == "true":
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    if request.method not in ("GET", "HEAD"):
        # A POST-only URL is no page to come back to after login.
        parts = urlsplit(request.referrer or "")
        if parts.netloc != request.host or not parts.path:
            return "/"
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")


def login_url_for_here():
    """``/login?next=<the page the user is on>``."""
    return url_for("auth.login") + "?next=" + quote(page_path(), safe="/")


def to_login():
    """Send the browser to ``/login?next=<the page it is on>``."""
    if wants_json():
        return jsonify(error=True, message="Not authenticated."), 401
    if request.headers.get("HX-Request") == "true":
        return hx_redirect(login_url_for_here())
    code = 302 if request.method in ("GET", "HEAD") else 303
    return redirect(login_url_for_here(), code=code)


def handle_session_ended(exc):
    """The Zou session is over: back to the login page, once."""
    end_session()
    return to_login()


def handle_not_available(exc):
    """Zou said 403 or 404: "not available" in place, or the 404 page."""
    if wants_json():
        return jsonify(error=True, message="Not found."), 404
    if is_fragment_request():
        return render("errors/_not_available.html", status=200)
    return render("errors/404.html", status=404)


def handle_unavailable(exc):
    """Zou is down, slow or failing: a page that offers a retry."""
    # The user may be what could not be read: render this page without.
    g.setdefault("kitsu_user", None)
    log.warning("zou unavailable on %s %s: %s", request.method,
                request.path, exc.message)
    if wants_json():
        return jsonify(error=True, message=exc.message), 503
    if is_fragment_request():
        return render("errors/_unavailable.html", status=503,
                      message=exc.message)
    return render("errors/503.html", status=503, message=exc.message)


def handle_rejected(exc):
    """Zou refused the content of a request that no view handled."""
    if wants_json():
        return jsonify(error=True, message=exc.message), 400
    return render("errors/400.html", status=400, message=exc.message)


def handle_csrf(exc):
    """A form without a valid CSRF token.

    Usually the page outlived its session (a logout or a new login in
    another tab): with no session left, the browser goes to the login
    page; an htmx page of a newer session reloads to get a fresh token.
    """
    if wants_json():
        message = "CSRF token missing or invalid."
        return jsonify(error=True, message=message), 400
    if request.endpoint not in ANONYMOUS_FORMS and not token_store().get():
        return to_login()
    response = render("errors/400.html", status=400,
                      message="This form has expired. Reload the page "
                      "and try again.")
    if request.headers.get("HX-Request") == "true":
        response.headers["HX-Refresh"] = "true"
    return response


def handle_http(exc):
    """Werkzeug's HTTP errors rendered with our pages."""
    if wants_json():
        return jsonify(error=True, message=exc.description), exc.code
    template = {404: "errors/404.html", 403: "errors/404.html"}.get(
        exc.code, "errors/error.html"
    )
    return render(template, status=exc.code, error=exc)


def handle_unexpected(exc):
    """Any other exception: logged with its traceback, never shown."""
    g.setdefault("kitsu_user", None)
    log.exception("unexpected error on %s %s", request.method, request.path)
    if wants_json():
        return jsonify(error=True, message="Internal server error."), 500
    return render("errors/500.html", status=500)


def init_app(app):
    """Register every error handler."""
    app.register_error_handler(zou.SessionEnded, handle_session_ended)
    app.register_error_handler(zou.NotAvailable, handle_not_available)
    app.register_error_handler(zou.ZouUnavailable, handle_unavailable)
    app.register_error_handler(zou.ZouRejected, handle_rejected)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
