"""kitsu-web under test: gunicorn (gevent) in front of the bench stack."""

import logging
import os
import re
import secrets
import socket
import subprocess
import sys
import time

import psutil
import requests

from . import OUTPUT_DIR, ROOT

log = logging.getLogger(__name__)
HTTP_TIMEOUT = 30


def free_port():
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_flushdb(port, db):
    """Empty one database of the bench stack's own Redis server."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"SELECT {db}\r\nFLUSHDB\r\n".encode())
        answer = b""
        while answer.count(b"\r\n") < 2:
            data = sock.recv(64)
            if not data:
                break
            answer += data
    if answer.count(b"+OK") < 2:
        raise RuntimeError(f"Redis FLUSHDB failed: {answer!r}")


class KitsuWeb:
    """A kitsu-web gunicorn master started (and stopped) by the harness."""

    REDIS_DB = 5

    def __init__(self, stack, bot_token=None, extra_env=None):
        self.stack = stack
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = OUTPUT_DIR / "kitsu-web.log"
        self.env = dict(os.environ)
        self.env.pop("PYTHONPATH", None)
        self.env.update({
            "KITSU_WEB_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "KITSU_API_TARGET": stack["api_url"],
            "KITSU_EVENT_TARGET": stack["event_url"],
            "KITSU_WEB_REDIS_URL":
                f"redis://127.0.0.1:{stack['redis_port']}/{self.REDIS_DB}",
            "KITSU_WEB_BIND": f"127.0.0.1:{self.port}",
            "KITSU_WEB_LOGIN_RATE_LIMIT": "1000000",
            "KITSU_WEB_LOG_LEVEL": "WARNING",
        })
        if bot_token:
            self.env["KITSU_WEB_BOT_TOKEN"] = bot_token
        else:
            self.env["KITSU_WEB_BRIDGE"] = "off"
        self.env.update(extra_env or {})
        self.process = None

    def start(self, timeout=60):
        """Start gunicorn and wait until /healthz answers."""
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        handle = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c",
             "config/gunicorn.conf.py"],
            cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        handle.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"kitsu-web exited; see {self.log_path.relative_to(ROOT)}"
                )
            try:
                if requests.get(self.url + "/healthz", timeout=2).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("kitsu-web did not answer /healthz in time")

    def stop(self):
        """TERM the master it started, then KILL if it lingers."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def restart_cold(self):
        """Stop, empty kitsu-web's Redis database, start again."""
        self.stop()
        redis_flushdb(self.stack["redis_port"], self.REDIS_DB)
        self.start()

    def master_pid(self):
        """The gunicorn master's pid."""
        return self.process.pid if self.process else None

    def worker_pids(self):
        """The pids of the gunicorn workers."""
        pid = self.master_pid()
        if not pid:
            return []
        try:
            return [c.pid for c in psutil.Process(pid).children()]
        except psutil.Error:
            return []

    def upstream_connections(self, port):
        """Established TCP connections from kitsu-web to a local port."""
        count = 0
        for pid in [self.master_pid(), *self.worker_pids()]:
            try:
                conns = psutil.Process(pid).net_connections(kind="tcp")
            except (psutil.Error, TypeError):
                continue
            count += sum(
                1 for c in conns
                if c.raddr and c.raddr.port == port
                and c.status == psutil.CONN_ESTABLISHED
            )
        return count


CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def web_login(url, email, password):
    """A requests session logged in to kitsu-web through its form.

    Returns (session, csrf token) or raises RuntimeError.
    """
    session = requests.Session()
    session.headers["User-Agent"] = "kitsu-bench"
    page = session.get(url + "/login", timeout=HTTP_TIMEOUT)
    match = CSRF_INPUT.search(page.text) or CSRF_META.search(page.text)
    if not match:
        raise RuntimeError(f"no CSRF token on /login ({page.status_code})")
    answer = session.post(
        url + "/login",
        data={"email": email, "password": password,
              "csrf_token": match.group(1)},
        allow_redirects=False, timeout=HTTP_TIMEOUT,
    )
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"login refused: {answer.status_code}")
    home = session.get(url + "/login?next=/", timeout=HTTP_TIMEOUT)
    match = CSRF_META.search(home.text)
    return session, (match.group(1) if match else None)
