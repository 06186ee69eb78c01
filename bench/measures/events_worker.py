"""Socket.IO clients for the relay measure, in a gevent process of its own.

Reads a JSON spec on stdin, prints a JSON result on stdout. Hundreds of
python-socketio clients are cheap as greenlets; the emits are triggered
from this same process, so send and receipt times share one clock.
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402
from gevent.pool import Pool  # noqa: E402

NAMESPACE = "/events"
WAIT_PER_EMIT = 5.0
CONNECT_CONCURRENCY = 25


class Round:
    """One emit: when it was sent, and who received it when."""

    def __init__(self):
        self.sent = None
        self.kitsu = {}
        self.zou = None
        self.expected = 0

    def complete(self):
        """True when every client got it."""
        return self.zou is not None and len(self.kitsu) >= self.expected


class Relay:
    """The clients, the direct one, and the rounds."""

    def __init__(self, spec):
        self.spec = spec
        self.task_id = spec["task_id"]
        self.round = None
        self.clients = []
        self.errors = []
        self.direct = self.make_client("zou", None)

    def make_client(self, side, index):
        """A socketio.Client whose task:update handler records receipt."""
        client = socketio.Client(reconnection=False)

        def on_update(data=None):
            now = time.perf_counter()
            current = self.round
            if (current is None or current.sent is None
                    or (data or {}).get("task_id") != self.task_id):
                return
            if side == "zou":
                if current.zou is None:
                    current.zou = now - current.sent
            else:
                current.kitsu.setdefault(index, now - current.sent)

        client.on("task:update", on_update, namespace=NAMESPACE)
        return client

    def connect(self, client, url, with_auth):
        """Connect one client; record the error instead of raising."""
        token = self.spec["token"]
        kwargs = {"namespaces": [NAMESPACE], "transports": ["websocket"],
                  "wait_timeout": 20}
        if with_auth:
            kwargs["auth"] = {"token": token}
            kwargs["headers"] = {"Authorization": f"Bearer {token}"}
        try:
            client.connect(url, **kwargs)
            return True
        except Exception as exc:  # noqa: BLE001 - any failure is reported
            self.errors.append(f"connect: {type(exc).__name__}: {exc}")
            return False

    def grow(self, count):
        """Connect kitsu-web clients until there are ``count``."""
        pool = Pool(CONNECT_CONCURRENCY)
        start = len(self.clients)
        new = [self.make_client("kitsu", start + i)
               for i in range(count - start)]

        def attach(client):
            if self.connect(client, self.spec["web_url"], True):
                self.clients.append(client)

        pool.map(attach, new)
        return len(self.clients)

    def upstream(self):
        """Established connections from kitsu-web to Zou's event port."""
        port = self.spec["event_port"]
        count = 0
        for pid in self.spec["web_pids"]:
            try:
                conns = psutil.Process(pid).net_connections(kind="tcp")
            except psutil.Error:
                continue
            count += sum(1 for c in conns
                         if c.raddr and c.raddr.port == port
                         and c.status == psutil.CONN_ESTABLISHED)
        return count

    def emit_round(self, session, index):
        """Change the relay task once; wait for every receipt."""
        current = Round()
        current.expected = len(self.clients)
        self.round = current
        current.sent = time.perf_counter()
        try:
            response = session.put(
                f"{self.spec['zou_url']}/data/tasks/{self.task_id}",
                json={"priority": index % 4}, timeout=30)
            if response.status_code >= 400:
                self.errors.append(f"emit: HTTP {response.status_code}")
        except requests.RequestException as exc:
            self.errors.append(f"emit: {exc}")
        deadline = current.sent + WAIT_PER_EMIT
        while not current.complete() and time.perf_counter() < deadline:
            gevent.sleep(0.005)
        # A straggler arriving after the deadline counts as missed.
        self.round = None
        gevent.sleep(0.05)
        return current

    def run(self):
        """Every level in turn; return the JSON-ready result."""
        spec = self.spec
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {spec['token']}"
        if not self.connect(self.direct, spec["event_url"], True):
            return {"fatal": self.errors[-1]}
        levels = []
        for level in spec["levels"]:
            connected = self.grow(level)
            if connected == 0:
                return {"fatal": self.errors[-1] if self.errors
                        else "no client connected"}
            gevent.sleep(1.0)
            upstream = self.upstream()
            kitsu, zou, missed_k, missed_z = [], [], 0, 0
            for index in range(spec["emits"]):
                done = self.emit_round(session, index)
                kitsu.extend(v * 1000 for v in done.kitsu.values())
                missed_k += done.expected - len(done.kitsu)
                if done.zou is None:
                    missed_z += 1
                else:
                    zou.append(done.zou * 1000)
            levels.append({
                "level": level, "connected": connected,
                "upstream": upstream, "kitsu_ms": kitsu, "zou_ms": zou,
                "missed_kitsu": missed_k, "missed_zou": missed_z,
                "errors": self.errors[-5:],
            })
            self.errors = []
        pool = Pool(50)
        pool.map(lambda c: c.disconnect(), self.clients + [self.direct])
        return {"levels": levels}


def main():
    """Read the spec, run, print the result."""
    spec = json.load(sys.stdin)
    result = Relay(spec).run()
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
