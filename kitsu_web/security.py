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


def set_headers(response):
    """Security headers on every answer; no-store on authenticated pages."""
    headers = response.headers
    if not request.path.startswith("/api/"):
        headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    if not request.path.startswith(("/static/", "/api/")):
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
