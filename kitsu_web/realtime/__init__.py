"""Live updates: kitsu-web's Socket.IO server and the bridge to Zou."""

from ..extensions import socketio


def async_mode():
    """gevent when the process is monkey-patched (gunicorn), else threads."""
    try:
        from gevent import monkey

        if monkey.is_module_patched("socket"):
            return "gevent"
    except ImportError:
        pass
    return "threading"


def init_app(app, settings):
    """Attach Flask-SocketIO to ``app``."""
    socketio.init_app(app, async_mode=async_mode())
