"""A small HTTP helper for the harness's own calls to Zou, and the stack."""

import json
import subprocess

import requests

from . import ROOT, STACK_NAME

USER_AGENT = "kitsu-bench"
TIMEOUT = 60
LONG_TIMEOUT = 900


class ZouError(RuntimeError):
    """Zou answered with an error status."""

    def __init__(self, response):
        self.status = response.status_code
        super().__init__(
            f"{response.request.method} {response.url} -> "
            f"{response.status_code}: {response.text[:300]}"
        )


class ZouAPI:
    """JSON calls to one Zou API with a bearer token."""

    def __init__(self, base_url, token=None):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.token = None
        if token:
            self.set_token(token)

    def set_token(self, token):
        """Use this access token from now on."""
        self.token = token
        self.session.headers["Authorization"] = f"Bearer {token}"

    def login(self, email, password):
        """Log in and keep the access token; return Zou's answer."""
        answer = self.call("POST", "/auth/login",
                           json={"email": email, "password": password})
        self.set_token(answer["access_token"])
        return answer

    def call(self, method, path, timeout=TIMEOUT, **kwargs):
        """Send a request; return the decoded JSON (None when empty)."""
        response = self.session.request(
            method, self.base_url + path, timeout=timeout, **kwargs
        )
        if response.status_code >= 400:
            raise ZouError(response)
        if not response.content:
            return None
        return response.json()

    def get(self, path, **kwargs):
        """GET path."""
        return self.call("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        """POST a JSON body."""
        return self.call("POST", path, json=body, **kwargs)

    def put(self, path, body, **kwargs):
        """PUT a JSON body."""
        return self.call("PUT", path, json=body, **kwargs)

    def delete(self, path, **kwargs):
        """DELETE path."""
        return self.call("DELETE", path, **kwargs)


def stack_command(*args, timeout=900):
    """Run scripts/zou-stack; return (returncode, output)."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "zou-stack"), *args], cwd=ROOT,
        capture_output=True, text=True, timeout=timeout,
    )
    return result.returncode, (result.stdout + result.stderr).strip()


def stack_dir(name=STACK_NAME):
    """The state directory of a stack."""
    return ROOT / ".cache" / "stacks" / name


def load_stack(name=STACK_NAME):
    """The stack.json of a stack, or None."""
    try:
        return json.loads((stack_dir(name) / "stack.json").read_text())
    except FileNotFoundError:
        return None


def stack_running(name=STACK_NAME):
    """True when every process of the stack is up."""
    code, _ = stack_command("status", "--name", name, timeout=60)
    return code == 0


def ensure_stack(name=STACK_NAME):
    """Bring the stack up; return (stack dict, started_here)."""
    if stack_running(name):
        return load_stack(name), False
    code, output = stack_command("up", "--name", name)
    if code != 0:
        raise RuntimeError(f"zou-stack up --name {name} failed:\n{output}")
    return load_stack(name), True


def stop_stack(name=STACK_NAME):
    """Stop the stack's processes (data kept)."""
    return stack_command("down", "--name", name, timeout=120)
