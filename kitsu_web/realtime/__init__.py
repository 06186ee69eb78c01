"""Live updates: kitsu-web's Socket.IO server and the bridge to Zou.

``KITSU_WEB_BRIDGE`` picks where the single bridge runs:

* ``inprocess`` (default): inside this web process, started as a
  background task when the process serves its first request or socket;
* ``external``: in ``python -m kitsu_web.realtime.bridge``; this process
  holds no upstream connection and receives the bridge's emits through
  the Redis message queue on ``KITSU_WEB_SOCKETIO_CHANNEL``;
* ``off``: no live updates.
"""

import logging

import socketio as python_socketio

from ..extensions import socketio

log = logging.getLogger(__name__)


def async_mode():
    """gevent when the process is monkey-patched (gunicorn), else threads."""
    try:
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return "gevent"
    except ImportError:
        pass
    return "threading"


def client_manager(settings):
    """The Socket.IO manager: the Redis queue for an external bridge."""
    if settings.bridge_mode != "external":
        return python_socketio.Manager()
    if not settings.redis_url:
        raise RuntimeError(
            "KITSU_WEB_BRIDGE=external needs KITSU_WEB_REDIS_URL"
        )
    # A channel of kitsu-web's own: Zou publishes its raw broadcast on the
    # default "flask-socketio" channel of the same Redis server.
    return python_socketio.RedisManager(
        settings.redis_url, channel=settings.socketio_channel
    )


def init_app(app, settings):
    """Attach Flask-SocketIO and the bridge (or its shared state)."""
    # Imported here, not at the top: ``python -m kitsu_web.realtime.bridge``
    # imports this package before running that module.
    from . import handlers
    from .bridge import Bridge, SharedState

    socketio.init_app(
        app,
        async_mode=async_mode(),
        client_manager=client_manager(settings),
        manage_session=False,
        cors_allowed_origins=cors_origins(settings),
    )
    app.extensions["kitsu_socket_tokens"] = handlers.TokenCache()
    app.extensions["kitsu_socket_count"] = {"connected": 0}
    if settings.bridge_mode == "external":
        app.extensions["kitsu_bridge"] = SharedState(app)
        return
    server = socketio.server

    def emit(name, data, targets):
        server.emit(name, data, namespace="/events", to=targets)

    bridge = Bridge(app, emit, settings,
                    enabled=settings.bridge_mode != "off")
    app.extensions["kitsu_bridge"] = bridge
    if settings.bridge_mode == "off":
        return
    if not bridge.enabled:
        log.warning("live updates are off: KITSU_WEB_BOT_TOKEN is not set")
        return

    def start():
        if bridge.start(socketio.start_background_task):
            log.info("event bridge starting (in process)")

    app.extensions["kitsu_bridge_start"] = start
    app.before_request(start)


def cors_origins(settings):
    """The public URL when configured, else the request's own origin.

    (None is Socket.IO's "same origin"; an empty list would disable the
    origin check altogether.)
    """
    return [settings.public_url.rstrip("/")] if settings.public_url else None
