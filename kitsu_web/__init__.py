"""kitsu-web: a server-rendered Kitsu UI in front of Zou."""

import logging
import os
import sys

from flask import Flask, request

from .settings import Settings

__version__ = "0.1.0"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(settings=None, **overrides):
    """Build the kitsu-web application.

    ``settings`` defaults to ``Settings.from_env()``; keyword ``overrides``
    replace single settings (tests use them).
    """
    if settings is None:
        settings = Settings.from_env(**overrides)
    app = Flask(
        __name__,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
        instance_path=os.path.join(ROOT, "instance"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key or os.urandom(32).hex(),
        TESTING=settings.env == "testing",
        MAX_CONTENT_LENGTH=None,  # /api streams; forms are checked per view
        KITSU=settings,
    )
    init_logging(app, settings)
    init_extensions(app, settings)
    register_blueprints(app)
    init_templates(app)
    return app


def init_logging(app, settings):
    """Log to stdout, one line per event."""
    root = logging.getLogger("kitsu_web")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        )
        root.addHandler(handler)
    root.setLevel(settings.log_level.upper())


def init_extensions(app, settings):
    """Attach sessions, security, the Zou client, login and sockets."""
    from . import errors, security, sessions
    from .extensions import csrf, login_manager
    from .realtime import init_app as init_realtime
    from .users import load_user
    from .zou import ZouClient

    sessions.init_app(app, settings)
    security.init_app(app, settings)
    ZouClient.init_app(app, settings)
    csrf.init_app(app)
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config["WTF_CSRF_HEADERS"] = ["X-CSRFToken"]
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)
    errors.init_app(app)
    init_realtime(app, settings)


def unauthorized():
    """Not logged in: JSON 401 for the API, else the login page."""
    from flask import jsonify, redirect

    from .errors import login_url_for_here, wants_json
    from .htmx import hx_redirect

    if wants_json():
        return jsonify(error=True, message="Not authenticated."), 401
    if request.headers.get("HX-Request") == "true":
        return hx_redirect(login_url_for_here())
    return redirect(login_url_for_here())


def register_blueprints(app):
    """One blueprint per area."""
    from .auth import bp as auth_bp
    from .colors import bp as colors_bp
    from .health import bp as health_bp
    from .lists import bp as lists_bp
    from .notifications import bp as notifications_bp
    from .productions import bp as productions_bp
    from .proxy import bp as proxy_bp
    from .shell import bp as shell_bp
    from .tasks import bp as tasks_bp

    for blueprint in (health_bp, auth_bp, productions_bp, proxy_bp,
                      notifications_bp, tasks_bp, lists_bp, shell_bp,
                      colors_bp):
        app.register_blueprint(blueprint)
    # Browsers ask for /favicon.ico whatever the page links.
    app.add_url_rule("/favicon.ico", "favicon",
                     redirect_to="/static/img/favicon.svg")


def init_templates(app):
    """Cheap, request-local values and filters for every template."""
    from . import templating

    templating.init_app(app)
