"""Response headers that every page carries, and proxy trust."""

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)


# Whatever Zou serves through /api (an uploaded HTML attachment, say) is
# opened as an inert document in a sandbox of its own: it can never run
# script with kitsu-web's origin. Images and movies embedded in pages are
# not affected.
API_CSP = "sandbox; default-src 'none'; frame-ancestors 'self'"


def set_headers(response):
    """Security headers on every answer; no-store on authenticated pages."""
    headers = response.headers
    api = request.path == "/api" or request.path.startswith("/api/")
    if api:
        headers["Content-Security-Policy"] = API_CSP
    else:
        headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if not api and not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app, settings):
    """Install the header hook and trust the configured proxies."""
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n
        )
    app.after_request(set_headers)
