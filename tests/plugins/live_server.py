"""A real kitsu-web server (gunicorn, gevent) and headless Chromium.

``live_server`` serves kitsu-web exactly as production does
(``config/gunicorn.conf.py``) in front of the test Zou stack. ``page`` is a
Playwright page in Debian's Chromium that fails the test on any
Content-Security-Policy violation reported in the console.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port():
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A kitsu-web gunicorn process started for the test session."""

    def __init__(self, zou_stack, workdir, extra_env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(workdir) / "kitsu-web.log"
        self.env = dict(os.environ)
        self.env.update({
            "KITSU_WEB_ENV": "testing",
            "SECRET_KEY": "live-test-" + "k" * 40,
            "KITSU_API_TARGET": zou_stack.api_url,
            "KITSU_EVENT_TARGET": zou_stack.event_url,
            "KITSU_WEB_REDIS_URL":
                f"redis://127.0.0.1:{zou_stack.redis_port}/5",
            "KITSU_WEB_BIND": f"127.0.0.1:{self.port}",
            "KITSU_WEB_LOGIN_RATE_LIMIT": "100000",
            "KITSU_WEB_LOG_LEVEL": "DEBUG",
        })
        bot = getattr(zou_stack, "bot_token", None)
        if bot:
            self.env["KITSU_WEB_BOT_TOKEN"] = bot
        else:
            self.env["KITSU_WEB_BRIDGE"] = "off"
        self.env.update(extra_env or {})
        self.process = None

    def start(self, timeout=30):
        """Start gunicorn and wait for /healthz."""
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c",
             "config/gunicorn.conf.py"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kitsu-web exited; see {self.log_path}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"kitsu-web did not start; see {self.log_path}")

    def stop(self):
        """Stop the server it started."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self):
        """The server's log so far."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def live_server(zou_stack, tmp_path_factory):
    """kitsu-web served by gunicorn in front of the test stack."""
    server = LiveServer(zou_stack, tmp_path_factory.mktemp("live"))
    server.start()
    yield server
    server.stop()


def chromium_path():
    """Debian's Chromium; the test command installs it when missing."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("chromium is not installed (make test installs it)")
    return path


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True,
            args=CHROMIUM_ARGS,
        )
        yield chromium
        chromium.close()


@contextmanager
def checked_page(browser, base_url):
    """A fresh browser context and page on ``base_url``; a CSP violation
    reported in the console fails the test when the page closes."""
    context = browser.new_context(base_url=base_url,
                                  viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = []

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text:
            problems.append(text)

    page.on("console", on_console)
    page.csp_problems = problems
    yield page
    context.close()
    assert not problems, f"CSP violations: {problems}"


@pytest.fixture()
def page(browser, live_server):
    """A page on the live server; CSP violations fail the test."""
    with checked_page(browser, live_server.url) as checked:
        yield checked


def browser_login(page, zou_stack, who, next_url=None):
    """Log a Playwright page in as one of the seeded people."""
    user = zou_stack.users[who]
    target = "/login" + (f"?next={next_url}" if next_url else "")
    page.goto(target)
    page.fill("input[name=email]", user["email"])
    page.fill("input[name=password]", user["password"])
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page
