"""The one upstream connection to Zou's event stream, and its fan-out.

A deployment runs exactly one bridge. By default it lives in the web
process (``KITSU_WEB_BRIDGE=inprocess``) and emits straight to that
process's sockets. With several web processes, run it alone::

    KITSU_WEB_BRIDGE=external python -m kitsu_web.realtime.bridge

It then emits through the Redis message queue on kitsu-web's own channel
(``KITSU_WEB_SOCKETIO_CHANNEL``) and the web processes, which hold no
upstream connection, deliver to their sockets.

Zou's stream accepts any connection, so the bot token is checked against
``/auth/authenticated`` before each connect. After a gap the bridge
replays Zou's event log, and tells browsers to refresh what it cannot
replay (see ``replay``).
"""

import logging
import random
import signal
import threading
import time

import socketio

from .. import zou
from ..zou import events as zou_events
from . import replay, rooms

log = logging.getLogger(__name__)

NAMESPACE = "/events"
STATUS_EVENT = "kitsu-web:status"
RESYNC_EVENT = "kitsu-web:resync"

OFF = "off"
CONNECTING = "connecting"
CONNECTED = "connected"
RECONNECTING = "reconnecting"
AUTH_FAILED = "auth failed"

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 5.0
AUTH_RETRY = 30.0  # A refused bot token is retried this often.
CONNECT_TIMEOUT = 10.0
REPLAY_MARGIN = 30.0  # Seconds replayed before a gap, for clock skew.
REPLAY_MAX_EVENTS = 5000  # A longer gap makes browsers refresh instead.
STATE_TTL = 60  # Seconds the shared state lives without a heartbeat.
STATE_KEY = "bridge:state"

# Events that change what lists show: the production's list cache is
# invalidated before browsers are told.
LIST_KINDS = (
    "asset", "shot", "sequence", "episode", "edit", "entity", "task",
    "comment", "preview-file", "project", "concept",
)


def backoff_delays(first=BACKOFF_FIRST, cap=BACKOFF_MAX):
    """Growing delays with jitter: first, 2*first, … up to cap."""
    delay = first
    while True:
        yield delay * random.uniform(0.8, 1.2)
        delay = min(delay * 2, cap)


def invalidate_lists(project_id):
    """Tell the list cache (when the lists exist) a production changed."""
    try:
        from ..lists import cache as list_cache
    except ImportError:
        return
    try:
        list_cache.invalidate(project_id)
    except Exception:  # noqa: BLE001 - a cache failure must not stop events
        log.warning("list cache invalidation failed", exc_info=True)


class Bridge:
    """Holds the upstream connection and routes each event to its rooms.

    ``emit(event, data, to)`` sends to kitsu-web's sockets (``to`` is a
    list of rooms, or None for everyone). ``app`` gives the Zou client and
    an app context for the list cache.
    """

    def __init__(self, app, emit, settings, shared_state=None,
                 enabled=True):
        self.app = app
        self.settings = settings
        self._emit = emit
        self._shared_state = shared_state
        self.caller = zou_events.token_caller(
            app.extensions["zou"], settings.bot_token
        )
        self.audience = rooms.Audience(self.caller)
        self.deliveries = replay.DeliveryLog()
        self.enabled = enabled and bool(settings.bot_token)
        self.state = CONNECTING if self.enabled else OFF
        self.detail = ""
        if not self.enabled:
            self.detail = "no bot token" if enabled else "switched off"
        self.upstream_connections = 0
        self.delivered = 0
        self._lock = threading.RLock()
        self._holding = None  # Live events held while a replay runs.
        self._stop = threading.Event()
        self._gone = threading.Event()
        self._started = False
        self._client = None
        self._gap = None  # (utc, monotonic) of the connection loss.

    # ------------------------------------------------------------ state

    def _set_state(self, state, detail=""):
        """Record a state change; log and announce it once."""
        if state == self.state and detail == self.detail:
            return
        changed = state != self.state
        self.state, self.detail = state, detail
        if changed:
            level = logging.WARNING
            if state in (CONNECTED, OFF):
                level = logging.INFO
            log.log(level, "event bridge %s%s", state,
                    f" ({detail})" if detail else "")
            self._publish_state()
            self._send(STATUS_EVENT, {"state": state}, rooms.EVERYONE)

    def _publish_state(self):
        """Share the state with the web processes (external mode)."""
        if self._shared_state is None:
            return
        try:
            self._shared_state.set(STATE_KEY, self.state, STATE_TTL)
        except Exception:  # noqa: BLE001 - Redis down: readiness says so
            log.warning("cannot share the bridge state", exc_info=True)

    # ---------------------------------------------------------- running

    def start(self, spawn):
        """Start the run loop once with ``spawn(target)``; False if off."""
        with self._lock:
            if self._started or not self.enabled:
                return False
            self._started = True
        spawn(self.run)
        return True

    def stop(self):
        """Stop the loop and close the upstream connection."""
        self._stop.set()
        self._gone.set()
        client = self._client
        if client is not None:
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001 - closing on the way out
                log.debug("disconnect failed", exc_info=True)

    def run(self):
        """Connect, wait for the connection to end, reconnect; forever."""
        delays = backoff_delays()
        while not self._stop.is_set():
            wait = self._connect_once()
            if wait is None:
                delays = backoff_delays()
                self._serve_until_gone()
                continue
            if self._gap is None:
                self._gap = (replay.utc_now(), time.monotonic())
            self._sleep(next(delays) if wait == "backoff" else AUTH_RETRY)
        self._set_state(OFF, "stopped")

    def _sleep(self, seconds):
        """Wait, waking up for a stop and refreshing the shared state."""
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._stop.wait(min(left, STATE_TTL / 3))
            self._publish_state()

    def _connect_once(self):
        """One attempt: None when connected, else "backoff" or "auth"."""
        try:
            zou_events.get_authenticated_person(self.caller)
        except zou.SessionEnded:
            self._set_state(AUTH_FAILED, "Zou refused the bot token")
            return "auth"
        except zou.ZouError as exc:
            self._set_state(RECONNECTING, f"Zou API: {exc}")
            return "backoff"
        client = socketio.Client(reconnection=False)
        client.on("*", self._on_live, namespace=NAMESPACE)
        client.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self._gone.clear()
        try:
            client.connect(
                self.settings.event_target,
                namespaces=[NAMESPACE],
                headers={"Authorization": f"Bearer {self.settings.bot_token}"},
                transports=["websocket"],
                wait_timeout=CONNECT_TIMEOUT,
            )
        except socketio.exceptions.ConnectionError as exc:
            self._set_state(RECONNECTING, f"event stream: {exc}")
            return "backoff"
        self._client = client
        return None

    def _serve_until_gone(self):
        """Catch up if there was a gap, then wait for the connection end."""
        gap, self._gap = self._gap, None
        self.upstream_connections = 1
        if gap is not None:
            with self._lock:
                self._holding = []
        self._set_state(CONNECTED)
        if gap is not None:
            self._catch_up(*gap)
        while not self._gone.is_set():
            self._gone.wait(STATE_TTL / 3)
            self._publish_state()
        self.upstream_connections = 0
        self._client = None
        if not self._stop.is_set():
            self._gap = (replay.utc_now(), time.monotonic())
            self._set_state(RECONNECTING, "connection lost")

    def _on_disconnect(self, *args):
        """The upstream connection ended."""
        self._gone.set()

    # ---------------------------------------------------------- events

    def _on_live(self, name, data=None):
        """A live event from Zou."""
        data = data if isinstance(data, dict) else {}
        with self._lock:
            if self._holding is not None:
                self._holding.append((name, data))
                return
            if self.deliveries.offer_live(name, data):
                self.deliver(name, data)

    def _catch_up(self, gap_utc, gap_clock):
        """Replay the log since the gap, then the live events held."""
        scope = "unlogged"
        try:
            rows, complete = self._read_log(
                replay.replay_start(gap_utc, REPLAY_MARGIN)
            )
        except zou.ZouError as exc:
            log.warning("event replay failed: %s", exc)
            rows, complete = [], False
        if not complete:
            scope = "all"
        with self._lock:
            self.deliveries.forget_live_before(gap_clock - REPLAY_MARGIN)
            replayed = 0
            for row in rows if complete else ():
                if self.deliveries.offer_logged(row):
                    self.deliver(row["name"], row.get("data") or {})
                    replayed += 1
            held, self._holding = self._holding or [], None
            for name, data in held:
                if self.deliveries.offer_live(name, data):
                    self.deliver(name, data)
            self.deliveries.end_replay()
        log.info("event replay: %d of %d logged events delivered (%s)",
                 replayed, len(rows), "complete" if complete else "partial")
        # Zou does not log notifications and a few other events: pages
        # refresh what they show.
        self._send(RESYNC_EVENT, {"scope": scope}, rooms.EVERYONE)

    def _read_log(self, after):
        """Logged events since ``after``, oldest first, and completeness."""
        rows, cursor = [], None
        while True:
            page = zou_events.get_last_events(
                self.caller, after, cursor_event_id=cursor
            )
            rows.extend(page)
            if len(page) < zou_events.EVENTS_PAGE:
                return replay.in_order(rows), True
            if len(rows) >= REPLAY_MAX_EVENTS:
                return [], False
            cursor = page[-1]["id"]

    def deliver(self, name, data):
        """Route one event to the connections that may see it."""
        with self.app.app_context():
            self.audience.observe(name, data)
            project_id = data.get("project_id")
            if project_id and name.split(":", 1)[0] in LIST_KINDS:
                invalidate_lists(project_id)
            targets = self.audience.rooms_for(name, data)
        if targets == []:
            return
        self._send(name, data, targets)
        self.delivered += 1

    def _send(self, name, data, targets):
        """Emit to kitsu-web's sockets; a failure is logged, not raised."""
        try:
            self._emit(name, data, targets)
        except Exception:  # noqa: BLE001 - one lost emit must not kill us
            log.warning("emit of %s failed", name, exc_info=True)


class SharedState:
    """The state an external bridge shares, read by web processes."""

    def __init__(self, app):
        self.app = app

    @property
    def state(self):
        """The external bridge's last state, or "unknown" if silent."""
        backend = self.app.extensions["kitsu_store"]
        try:
            return backend.get(STATE_KEY) or "unknown"
        except Exception:  # noqa: BLE001 - Redis down: unknown
            log.warning("cannot read the bridge state", exc_info=True)
            return "unknown"

    upstream_connections = 0


def main():
    """Run the bridge alone, emitting through the message queue."""
    from flask_socketio import SocketIO

    from .. import create_app

    app = create_app()
    settings = app.config["KITSU"]
    if settings.bridge_mode != "external" or not settings.redis_url:
        raise SystemExit(
            "the separate bridge needs KITSU_WEB_BRIDGE=external and "
            "KITSU_WEB_REDIS_URL"
        )
    if not settings.bot_token:
        raise SystemExit("KITSU_WEB_BOT_TOKEN is not set")
    writer = SocketIO(
        message_queue=settings.redis_url, channel=settings.socketio_channel
    )

    def emit(name, data, targets):
        writer.emit(name, data, namespace=NAMESPACE, to=targets)

    bridge = Bridge(
        app, emit, settings, shared_state=app.extensions["kitsu_store"]
    )
    signal.signal(signal.SIGTERM, lambda *args: bridge.stop())
    try:
        bridge.run()
    except KeyboardInterrupt:
        bridge.stop()


if __name__ == "__main__":
    # Run the package's own copy of this module, the one the app imports,
    # so that its logger and state are the ones configured.
    from kitsu_web.realtime.bridge import main as run_bridge

    run_bridge()
