"""gunicorn settings for kitsu-web (``gunicorn -c config/gunicorn.conf.py``).

Values come from the environment; every variable is described in
``config/kitsu-web.env.example``.
"""

import os


def _env(name, default):
    """Return the environment variable ``name``, or ``default`` if unset."""
    value = os.environ.get(name, "").strip()
    return value or default


# The module-level app that app.py builds with create_app().
wsgi_app = "app:app"

# Loopback by default; the Docker image sets 0.0.0.0:8080.
bind = [_env("KITSU_WEB_BIND", "127.0.0.1:8080")]

# Cooperative greenlets: an open socket or a streaming movie costs a greenlet.
worker_class = "gevent"

# Websockets go through simple-websocket under this worker (no extra class).
# One worker per process: gunicorn has no sticky sessions for Socket.IO.
workers = 1

# Concurrent clients per worker (pages, proxied media and open sockets).
worker_connections = int(_env("KITSU_WEB_WORKER_CONNECTIONS", "1000"))

# Heartbeat limit, kept above the longest upload relayed to Zou.
timeout = int(float(_env("KITSU_WEB_UPLOAD_TIMEOUT", "900")))

# On restart, in-flight requests get this long to finish.
graceful_timeout = int(_env("KITSU_WEB_GRACEFUL_TIMEOUT", "30"))

# Keep-alive slightly above a front proxy's idle reuse of connections.
keepalive = 5

# Access and error logs to stdout and stderr, for the container runtime.
accesslog = "-"
errorlog = "-"
loglevel = _env("KITSU_WEB_LOG_LEVEL", "info").lower()

# Peers allowed to set X-Forwarded-Proto (comma-separated IPs/CIDRs or *).
forwarded_allow_ips = _env("KITSU_WEB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Heartbeat files on a RAM disk when set (/dev/shm in the image).
worker_tmp_dir = _env("KITSU_WEB_WORKER_TMP_DIR", None)

# gunicorn >= 26 opens a control socket at a shared default path: use our
# own path when one is given, otherwise open none.
_control_socket = _env("KITSU_WEB_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True
