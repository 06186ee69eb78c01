"""Liveness and readiness checks, as JSON."""

import time

from flask import Blueprint, current_app, jsonify

from . import zou
from .sessions import store

bp = Blueprint("health", __name__)

_status_cache = {"at": 0.0, "value": None}
STATUS_TTL = 5.0  # Zou's /status touches its database: ask rarely.


@bp.get("/healthz")
def healthz():
    """The process is alive; nothing upstream is called."""
    return jsonify(status="ok")


def zou_status():
    """Zou's /status, reused for a few seconds."""
    now = time.monotonic()
    if now - _status_cache["at"] > STATUS_TTL:
        try:
            response = zou.anonymous().send("GET", "/status", timeout=6)
            value = response.json() if response.ok else None
        except (zou.ZouUnavailable, ValueError):
            value = None
        _status_cache.update(at=now, value=value)
    return _status_cache["value"]


def store_ok():
    """kitsu-web's own store answers."""
    try:
        store().set("readyz", 1, 10)
        return store().get("readyz") == 1
    except Exception:  # noqa: BLE001 - any store failure means not ready
        current_app.logger.warning("session store check failed",
                                   exc_info=True)
        return False


@bp.get("/readyz")
def readyz():
    """Ready when Zou answers and the session store works."""
    status = zou_status()
    bridge = current_app.extensions.get("kitsu_bridge")
    checks = {
        "zou": bool(status and status.get("database-up")),
        "store": store_ok(),
        "bridge": bridge.state if bridge else "off",
        "bridge_upstream": getattr(bridge, "upstream_connections", 0),
        "sockets": current_app.extensions.get(
            "kitsu_socket_count", {}
        ).get("connected", 0),
    }
    ready = checks["zou"] and checks["store"]
    return jsonify(ready=ready, checks=checks), 200 if ready else 503
