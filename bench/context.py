"""What every measure needs: both servers, the workload and the options."""

import requests

from .server import web_login
from .zouapi import USER_AGENT, ZouAPI

HTTP_TIMEOUT = 60


class Context:
    """The two sides under test and the seeded workload.

    ``zou_url`` / ``event_url``: the bench stack. ``web``: the KitsuWeb
    server (or None; ``web_url`` may point anywhere, e.g. a dead port in a
    smoke test). ``workload``: the seed's description (project ids, tasks,
    attachment). ``admin``: email and password of a Zou admin.
    """

    def __init__(self, zou_url, event_url, web_url, admin, workload,
                 web=None, people=(), quick=False, stack=None):
        self.zou_url = zou_url.rstrip("/")
        self.event_url = event_url.rstrip("/")
        self.web_url = web_url.rstrip("/")
        self.admin = admin
        self.workload = workload
        self.web = web
        self.people = list(people)
        self.quick = quick
        self.stack = stack or {}
        self._zou = None
        self._web_sessions = {}

    def repeats(self, full, quick):
        """How many times to repeat a sample."""
        return quick if self.quick else full

    @property
    def zou(self):
        """A ZouAPI logged in as the admin (login done once)."""
        if self._zou is None:
            self._zou = ZouAPI(self.zou_url)
            self._zou.login(self.admin["email"], self.admin["password"])
        return self._zou

    @property
    def token(self):
        """The admin's Zou access token."""
        return self.zou.token

    def zou_session(self):
        """A fresh keep-alive session to Zou with the admin's token."""
        session = requests.Session()
        session.headers.update({"User-Agent": USER_AGENT,
                                "Authorization": f"Bearer {self.token}"})
        return session

    def bearer_session(self):
        """A fresh keep-alive session to kitsu-web with the same token."""
        return self.zou_session()

    def web_session(self, email=None, password=None, fresh=False):
        """A session logged in to kitsu-web (admin by default), cached."""
        email = email or self.admin["email"]
        password = password or self.admin["password"]
        if fresh or email not in self._web_sessions:
            self._web_sessions[email] = web_login(self.web_url, email,
                                                  password)
        return self._web_sessions[email]

    def forget_web_sessions(self):
        """Drop cached kitsu-web sessions (after a restart)."""
        self._web_sessions.clear()

    def probe(self, path, session=None, **kwargs):
        """Status code of a GET on kitsu-web, or None when unreachable."""
        session = session or requests.Session()
        try:
            return session.get(self.web_url + path, timeout=HTTP_TIMEOUT,
                               allow_redirects=False, **kwargs).status_code
        except requests.RequestException:
            return None
