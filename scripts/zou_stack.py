#!/usr/bin/env python3
"""Run a local Zou stack (PostgreSQL database, Redis, API, event stream).

Usage: scripts/zou-stack up|seed|down|status [--name NAME] [--purge]

Standard library only: it runs before any virtualenv exists. Zou lives in
its own virtualenv (.cache/zou-venv), created here when missing. Each stack
keeps its state in .cache/stacks/<NAME>/ (env file, logs, pids, previews).
"""

import argparse
import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ZOU_VERSION = "1.0.97"

ROOT = Path(__file__).resolve().parent.parent
ZOU_VENV = ROOT / ".cache" / "zou-venv"
STACKS_DIR = ROOT / ".cache" / "stacks"

PG_HOST = "127.0.0.1"
PG_PORT = 5432
ADMIN_EMAIL = "admin@example.com"
DEFAULT_WEB_PORT = "8080"
READY_TIMEOUT = 120
STOP_TIMEOUT = 15
# Environment marker set on every process a stack starts, so that a
# recorded pid is only ever signalled when it still belongs to that stack.
MARKER_VAR = "ZOU_STACK_DIR"

# Run by Zou's own interpreter (it has python-socketio): connect to the
# event stream, ask the API for a test event and wait until it arrives.
READY_HELPER = r"""
import sys, threading, time, urllib.request
import socketio

api_url, event_url, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
deadline = time.monotonic() + timeout
received = threading.Event()
client = socketio.Client(reconnection=False)
client.on("main:test", lambda *args: received.set(), namespace="/events")
last_error = "no attempt"
while time.monotonic() < deadline:
    try:
        if not client.connected:
            client.connect(event_url, namespaces=["/events"], wait_timeout=5)
        with urllib.request.urlopen(
            api_url + "/status/test-event", timeout=5
        ) as answer:
            answer.read()
        if received.wait(3):
            client.disconnect()
            sys.exit(0)
        last_error = "main:test not received"
    except Exception as exc:
        last_error = repr(exc)
        try:
            client.disconnect()
        except Exception:
            pass
        time.sleep(0.5)
print(last_error, file=sys.stderr)
sys.exit(1)
"""

# One interpreter for the three set-up commands: each `zou` call costs
# about 4-5 s of imports, so running them in one process saves ~10 s.
INIT_HELPER = r"""
import sys
from zou.cli import cli

email, password, mode = sys.argv[1:4]
if mode == "init":
    steps = [["init-db"], ["init-data"],
             ["create-admin", email, "--password", password]]
else:
    steps = [["change-password", email, "--password", password]]
for args in steps:
    print("zou " + args[0], flush=True)
    cli.main(args, prog_name="zou", standalone_mode=False)
"""


class StackError(Exception):
    """A stack operation failed; the message says what to do."""


def say(message):
    """Print a progress or result line for the user."""
    print(message, flush=True)


def warn(message):
    """Print a warning on stderr."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------- helpers


def stack_dir(name):
    """Return the state directory of stack NAME."""
    return STACKS_DIR / name


def db_identifier(name):
    """Return the PostgreSQL role and database name for stack NAME.

    The name carries a short hash of this checkout's path, so two
    checkouts on one machine never share (or drop) each other's database.
    """
    clean = re.sub(r"[^a-z0-9_]", "_", name.lower())[:40]
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
    return f"kitsuweb_{clean}_{checkout}"


def write_private(path, text):
    """Write text to path with mode 600."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def read_json(path):
    """Return the JSON content of path, or None when it does not exist."""
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def read_env_file(path):
    """Parse a KEY=value env file written by write_env_file."""
    values = {}
    try:
        with open(path) as handle:
            for line in handle:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                key, value = line.split("=", 1)
                values[key] = value.strip("'\"")
    except FileNotFoundError:
        pass
    return values


def write_env_file(path, values):
    """Write values as a shell-sourceable env file (mode 600)."""
    lines = ["# Zou settings of this local stack (generated, secret)."]
    lines += [f"{key}={value}" for key, value in values.items()]
    write_private(path, "\n".join(lines) + "\n")


def port_is_free(port):
    """Tell whether a loopback TCP port can be bound."""
    with socket.socket() as sock:
        # Like the servers: a port in TIME_WAIT can be bound again.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(avoid=()):
    """Return a free loopback TCP port not in avoid."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in avoid:
            return port


def tcp_open(host, port, timeout=1.0):
    """Tell whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_ping(port, timeout=1.0):
    """Tell whether the Redis server on a loopback port answers PING."""
    try:
        with socket.create_connection(
            ("127.0.0.1", port), timeout=timeout
        ) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def http_get_json(url, timeout=5):
    """GET url and return the decoded JSON answer."""
    with urllib.request.urlopen(url, timeout=timeout) as answer:
        return json.loads(answer.read().decode())


# ----------------------------------------------------------- processes


def process_alive(pid):
    """Tell whether pid is a live (not zombie) process."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def pid_belongs(pid, directory, cmdline_hint=None):
    """Tell whether pid is alive and was started for stack directory.

    The environment marker identifies gunicorn masters and workers;
    redis-server overwrites its environment with its process title, so
    it is recognised by a cmdline_hint ("redis-server 127.0.0.1:<port>").
    """
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
        if state in ("Z", "X"):
            return False
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    marker = f"{MARKER_VAR}={directory}".encode()
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            if marker in handle.read().split(b"\0"):
                return True
        if cmdline_hint:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode()
            return all(part in cmdline for part in cmdline_hint.split())
        return False
    except PermissionError:
        # Another user's process cannot be ours.
        return False
    except (FileNotFoundError, ProcessLookupError):
        return False


def child_pids(pid):
    """Return the pids whose parent is pid."""
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid):
            children.append(int(stat.split("/")[2]))
    return children


def start_detached(args, directory, log_name, env):
    """Start args in its own session, output to a log file; return pid."""
    log_path = Path(directory) / log_name
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            args,
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    return process.pid


def stop_pids(pids, directory):
    """TERM the stack's live pids (and their children), KILL stragglers.

    pids maps each pid to its cmdline hint (see pid_belongs).
    """
    targets = [
        pid for pid, hint in pids.items() if pid_belongs(pid, directory, hint)
    ]
    # Workers too, in case their master dies before they do.
    family = {pid: pids[pid] for pid in targets}
    for pid in targets:
        for child in child_pids(pid):
            if pid_belongs(child, directory):
                family[child] = None
    for pid in targets:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        if not any(
            pid_belongs(pid, directory, hint) for pid, hint in family.items()
        ):
            return
        time.sleep(0.2)
    for pid, hint in family.items():
        if pid_belongs(pid, directory, hint):
            warn(f"pid {pid} ignored TERM, sending KILL")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# ------------------------------------------------------------ services


def ensure_zou_venv():
    """Create Zou's virtualenv when missing; return its python."""
    python = ZOU_VENV / "bin" / "python"
    pattern = str(
        ZOU_VENV / "lib" / "python3*" / "site-packages"
        / f"zou-{ZOU_VERSION}.dist-info"
    )
    if python.exists() and glob.glob(pattern):
        return python
    say(f"Installing zou=={ZOU_VERSION} into {ZOU_VENV.relative_to(ROOT)}")
    if not python.exists():
        subprocess.run(
            [sys.executable, "-m", "venv", str(ZOU_VENV)], check=True
        )
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"zou=={ZOU_VERSION}"],
        check=True,
    )
    return python


def check_ffmpeg():
    """Warn when ffmpeg is missing (Zou needs it for movie previews)."""
    if shutil.which("ffmpeg") is None:
        warn(
            "ffmpeg not found: Zou cannot process movie previews. "
            "Install it with: apt-get install ffmpeg"
        )


def superuser_command():
    """Return the argv prefix that runs a command as the postgres user."""
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"]
    if shutil.which("sudo"):
        return ["sudo", "-n", "-u", "postgres"]
    raise StackError(
        "Cannot act as the postgres superuser: run as root or with sudo."
    )


def run_psql(script):
    """Run an SQL script through psql as the postgres superuser."""
    if shutil.which("psql") is None:
        raise StackError(
            "psql not found. Install PostgreSQL: apt-get install postgresql"
        )
    result = subprocess.run(
        superuser_command()
        + ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres"],
        input=script,
        text=True,
        capture_output=True,
        cwd="/",
        timeout=60,
    )
    if result.returncode != 0:
        raise StackError(f"psql failed: {result.stderr.strip()}")
    return result.stdout


def ensure_postgres():
    """Make sure PostgreSQL answers on 127.0.0.1:5432, starting it."""
    if tcp_open(PG_HOST, PG_PORT):
        return
    clusters = sorted(glob.glob("/etc/postgresql/*/main"))
    if not clusters or shutil.which("pg_ctlcluster") is None:
        raise StackError(
            f"PostgreSQL is not running on {PG_HOST}:{PG_PORT} and no "
            "cluster is installed. Install it with: "
            "apt-get install postgresql"
        )
    version = Path(clusters[-1]).parent.name
    say(f"Starting PostgreSQL {version}")
    subprocess.run(
        [
            "pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
            "start",
        ],
        check=False,
        timeout=60,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if tcp_open(PG_HOST, PG_PORT):
            return
        time.sleep(0.3)
    raise StackError(
        f"PostgreSQL {version} did not start; see /var/log/postgresql/"
    )


def ensure_database(db_name, password):
    """Create (or update) the stack's role and database."""
    run_psql(
        f"""
SELECT 'CREATE ROLE {db_name} LOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{db_name}')
\\gexec
ALTER ROLE {db_name} LOGIN PASSWORD '{password}';
SELECT 'CREATE DATABASE {db_name} OWNER {db_name}'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{db_name}')
\\gexec
"""
    )


def drop_database(db_name):
    """Drop the stack's database and role."""
    run_psql(
        f"""
DROP DATABASE IF EXISTS {db_name} WITH (FORCE);
DROP ROLE IF EXISTS {db_name};
"""
    )


def start_redis(directory, port, env):
    """Start the stack's own redis-server and wait for PING."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise StackError(
            "redis-server not found. Install it with: "
            "apt-get install redis-server"
        )
    data_dir = Path(directory) / "redis"
    data_dir.mkdir(exist_ok=True)
    pid = start_detached(
        [
            binary,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--protected-mode", "yes",
            "--dir", str(data_dir),
            "--logfile", str(Path(directory) / "redis.log"),
        ],
        directory,
        "redis.out",
        env,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if redis_ping(port):
            return pid
        # Just started: redis-server may be renaming itself, so only ask
        # whether the process is still alive, not whether it is ours.
        if not process_alive(pid):
            break
        time.sleep(0.1)
    raise StackError(
        f"redis-server did not answer PING on port {port}; see "
        f"{Path(directory) / 'redis.log'}"
    )


def zou_env(directory, settings):
    """Return os.environ plus the stack's Zou settings."""
    env = dict(os.environ)
    env.update(settings)
    env[MARKER_VAR] = str(directory)
    env["PATH"] = f"{ZOU_VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    return env


def init_zou(directory, python, env, admin_password, reset_admin):
    """Create Zou's schema, reference data and admin, once.

    With reset_admin (the stack lost its stack.json) the admin of an
    initialised database gets the new password instead.
    """
    marker = Path(directory) / "initialised"
    if marker.exists() and not reset_admin:
        return
    mode = "password" if marker.exists() else "init"
    say(
        "Resetting the admin password" if mode == "password"
        else "Initialising the database (init-db, init-data, create-admin)"
    )
    with open(Path(directory) / "init.log", "ab") as log:
        result = subprocess.run(
            [str(python), "-c", INIT_HELPER, ADMIN_EMAIL, admin_password,
             mode],
            cwd=directory,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=300,
        )
    if result.returncode != 0:
        raise StackError(
            f"Zou initialisation failed; see {Path(directory) / 'init.log'}"
        )
    marker.write_text(f"zou {ZOU_VERSION}\n")


def start_servers(directory, api_port, event_port, env):
    """Start the API and event stream gunicorn masters; return pids."""
    gunicorn = str(ZOU_VENV / "bin" / "gunicorn")
    api_pid = start_detached(
        [
            gunicorn, "-k", "gevent", "-w", "1", "-t", "600",
            "--graceful-timeout", "10",
            "-b", f"127.0.0.1:{api_port}",
            "--control-socket", str(Path(directory) / "api.ctl"),
            "--access-logfile", str(Path(directory) / "api-access.log"),
            "zou.app:app",
        ],
        directory,
        "api.log",
        env,
    )
    events_pid = start_detached(
        event_stream_args(directory, event_port),
        directory,
        "events.log",
        env,
    )
    return api_pid, events_pid


def event_stream_args(directory, event_port, tag="events"):
    """Return the command line of an event stream of the stack."""
    return [
        str(ZOU_VENV / "bin" / "gunicorn"),
        "-k", "geventwebsocket.gunicorn.workers.GeventWebSocketWorker",
        "-w", "1",
        "--graceful-timeout", "5",
        "-b", f"127.0.0.1:{event_port}",
        "--control-socket", str(Path(directory) / f"{tag}.ctl"),
        "zou.event_stream:app",
    ]


def start_extra_event_stream(name, event_port, tag):
    """Start one more event stream for running stack NAME; return its pid.

    It shares the stack's Redis, so it relays the same events. Tests that
    must stop and restart an event stream use one of these (logged to
    <tag>.log) and leave the stack's own stream alone.
    """
    directory = stack_dir(name)
    env = zou_env(directory, read_env_file(directory / "zou.env"))
    return start_detached(
        event_stream_args(directory, event_port, tag),
        directory,
        f"{tag}.log",
        env,
    )


def wait_ready(directory, python, api_url, event_url, pids, redis_port):
    """Wait until a test event goes from the API to a socket client."""
    result = subprocess.run(
        [str(python), "-c", READY_HELPER, api_url, event_url,
         str(READY_TIMEOUT)],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=READY_TIMEOUT + 30,
    )
    if result.returncode == 0:
        return
    dead = [
        name for name, alive in process_states(
            {"dir": str(directory), "pids": pids, "redis_port": redis_port}
        ).items() if not alive
    ]
    logs = ", ".join(
        str(Path(directory) / log)
        for log in ("api.log", "events.log", "redis.log")
    )
    raise StackError(
        "Zou did not become ready (no main:test event within "
        f"{READY_TIMEOUT} s: {result.stderr.strip()[-300:]}). "
        f"Dead processes: {', '.join(dead) or 'none'}. See {logs}"
    )


# ------------------------------------------------------------ commands


def load_stack(name):
    """Return the stack.json of NAME, or None."""
    return read_json(stack_dir(name) / "stack.json")


def redis_hint(port):
    """Return the cmdline hint that identifies the stack's redis-server."""
    return f"redis-server 127.0.0.1:{port}"


def stack_pids(stack):
    """Return {pid: cmdline hint} of a stack description's processes."""
    return {
        pid: redis_hint(stack.get("redis_port")) if key == "redis" else None
        for key, pid in stack.get("pids", {}).items()
    }


def process_states(stack):
    """Return {process name: alive} for a stack description."""
    hints = stack_pids(stack)
    return {
        key: pid_belongs(pid, stack["dir"], hints[pid])
        for key, pid in stack.get("pids", {}).items()
    }


def print_status(stack):
    """Print the processes and URLs of a stack."""
    states = process_states(stack)
    say(f"Stack {stack['name']} ({stack['dir']})")
    for key, alive in states.items():
        pid = stack["pids"][key]
        say(f"  {key:<7} pid {pid:<8} {'up' if alive else 'DOWN'}")
    say(f"  API:          {stack['api_url']}")
    say(f"  Event stream: {stack['event_url']}")
    say(f"  Redis port:   {stack['redis_port']}")
    say(f"  Database:     {stack['db_name']}")
    say(f"  Admin:        {stack['admin_email']} / {stack['admin_password']}")


def cmd_up(name):
    """Bring the stack up (idempotent)."""
    directory = stack_dir(name)
    previous = load_stack(name) or {}
    if previous and all(process_states(previous).values()):
        say("Stack already running.")
        print_status(previous)
        return 0
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    python = ensure_zou_venv()
    check_ffmpeg()
    ensure_postgres()

    old_env = read_env_file(directory / "zou.env")
    # A stack made before the name carried the checkout keeps its own.
    db_name = previous.get("db_name") or db_identifier(name)
    secret_key = old_env.get("SECRET_KEY") or secrets.token_hex(32)
    db_password = old_env.get("DB_PASSWORD") or secrets.token_hex(16)
    admin_password = previous.get("admin_password") or secrets.token_hex(8)
    ensure_database(db_name, db_password)

    # Leftovers of a half-running stack are stopped before a restart.
    if previous.get("pids"):
        stop_pids(stack_pids(previous), str(directory))

    ports = []
    for key in ("redis_port", "api_port", "event_port"):
        port = previous.get(key)
        if not port or not port_is_free(port) or port in ports:
            port = free_port(avoid=ports)
        ports.append(port)
    redis_port, api_port, event_port = ports
    web_port = os.environ.get("KITSU_WEB_PORT") or DEFAULT_WEB_PORT
    for sub in ("previews", "tmp"):
        (directory / sub).mkdir(exist_ok=True)
    settings = {
        "SECRET_KEY": secret_key,
        "DB_HOST": PG_HOST,
        "DB_PORT": str(PG_PORT),
        "DB_USERNAME": db_name,
        "DB_PASSWORD": db_password,
        "DB_DATABASE": db_name,
        "DB_POOL_SIZE": "5",
        "DB_MAX_OVERFLOW": "5",
        "KV_HOST": "127.0.0.1",
        "KV_PORT": str(redis_port),
        "PREVIEW_FOLDER": str(directory / "previews"),
        "TMP_DIR": str(directory / "tmp"),
        "EVENT_STREAM_HOST": "127.0.0.1",
        "EVENT_STREAM_PORT": str(event_port),
        "MAIL_ENABLED": "false",
        "MAIL_CHECK_DELIVERABILITY": "false",
        "ENABLE_JOB_QUEUE": "false",
        "DOMAIN_NAME": f"127.0.0.1:{web_port}",
        "DOMAIN_PROTOCOL": "http",
        "IS_SELF_HOSTED": "true",
    }
    write_env_file(directory / "zou.env", settings)
    env = zou_env(directory, settings)

    stack = {
        "name": name,
        "dir": str(directory),
        "api_url": f"http://127.0.0.1:{api_port}",
        "event_url": f"http://127.0.0.1:{event_port}",
        "secret_key": secret_key,
        "admin_email": ADMIN_EMAIL,
        "admin_password": admin_password,
        "redis_port": redis_port,
        "api_port": api_port,
        "event_port": event_port,
        "db_name": db_name,
        "pids": {},
    }
    stack_path = directory / "stack.json"
    stack["pids"]["redis"] = start_redis(directory, redis_port, env)
    write_private(stack_path, json.dumps(stack, indent=2))
    init_zou(
        directory, python, env, admin_password,
        reset_admin="admin_password" not in previous,
    )
    api_pid, events_pid = start_servers(directory, api_port, event_port, env)
    stack["pids"].update({"api": api_pid, "events": events_pid})
    write_private(stack_path, json.dumps(stack, indent=2))
    wait_ready(
        directory, python, stack["api_url"], stack["event_url"],
        stack["pids"], redis_port,
    )
    say(f"Stack {name} ready in {time.monotonic() - started:.1f} s.")
    print_status(stack)
    return 0


def cmd_seed(name):
    """Fill the running stack with demo data; write seed.json."""
    stack = load_stack(name)
    if not stack or not all(process_states(stack).values()):
        raise StackError(
            f"Stack {name} is not running: run scripts/zou-stack up "
            f"--name {name} first."
        )
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import seed_data

    started = time.monotonic()
    seed_path = Path(stack["dir"]) / "seed.json"
    seed = seed_data.seed(stack, read_json(seed_path) or {})
    write_private(seed_path, json.dumps(seed, indent=2))
    say(f"Seeded stack {name} in {time.monotonic() - started:.1f} s.")
    say(f"Logins (also in {seed_path.relative_to(ROOT)}):")
    for key, user in seed["users"].items():
        say(
            f"  {key:<10} {user['email']:<26} {user['password']:<18} "
            f"{user['role']}"
        )
    say(f"  API: {stack['api_url']}  events: {stack['event_url']}")
    return 0


def cmd_down(name, purge):
    """Stop the stack's processes; with purge drop its data too."""
    directory = stack_dir(name)
    stack = load_stack(name)
    if stack:
        stop_pids(stack_pids(stack), str(directory))
        say(f"Stack {name} stopped.")
    else:
        say(f"Stack {name} has no recorded processes.")
    if purge:
        db_name = (stack or {}).get("db_name") or db_identifier(name)
        if shutil.which("psql") and tcp_open(PG_HOST, PG_PORT):
            drop_database(db_name)
        else:
            warn("PostgreSQL unreachable: database not dropped")
        if directory.exists():
            shutil.rmtree(directory)
        say(f"Stack {name} purged (database {db_name}).")
    return 0


def cmd_status(name):
    """Print the state of the stack; exit 0 only when all is up."""
    stack = load_stack(name)
    if not stack:
        say(f"Stack {name} does not exist.")
        return 3
    print_status(stack)
    states = process_states(stack)
    if all(states.values()):
        try:
            health = http_get_json(stack["api_url"] + "/status", timeout=10)
            say(
                f"  /status: database-up={health.get('database-up')} "
                f"key-value-store-up={health.get('key-value-store-up')} "
                f"event-stream-up={health.get('event-stream-up')}"
            )
        except OSError as exc:
            say(f"  /status: unreachable ({exc})")
            return 3
        return 0
    return 3


def main(argv=None):
    """Parse the command line and run the command."""
    parser = argparse.ArgumentParser(
        prog="zou-stack", description="Run a local Zou stack."
    )
    parser.add_argument("command", choices=["up", "seed", "down", "status"])
    parser.add_argument("--name", default="demo")
    parser.add_argument(
        "--purge", action="store_true",
        help="with down: also drop the database and the state directory",
    )
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", args.name):
        parser.error("NAME: letters, digits, - and _ only (max 40)")
    try:
        if args.command == "up":
            return cmd_up(args.name)
        if args.command == "seed":
            return cmd_seed(args.name)
        if args.command == "down":
            return cmd_down(args.name, args.purge)
        return cmd_status(args.name)
    except StackError as exc:
        print(f"zou-stack: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
