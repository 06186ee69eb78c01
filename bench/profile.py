"""A cProfile of the big production's shot list request, in process.

The app is built with ``create_app`` against the bench stack (file
sessions in a temporary directory, bridge off), a test client logs in
through the form, and the shot list request is profiled twice: cold (a
new app, nothing cached) and warm (the same app again). The full profiles
go to .cache/bench/profile-shots-<cold|warm>.txt; the summary splits the
time into a few named steps.
"""

import cProfile
import io
import pstats
import re
import secrets
import tempfile
import time

from . import OUTPUT_DIR

# (label, file name fragment, function name): cumulative time of these.
STEPS = [
    ("whole request (Flask wsgi_app)", "flask/app.py", "wsgi_app"),
    ("Zou HTTP calls (requests Session.send)", "requests/sessions.py",
     "send"),
    ("  of which waiting on the socket (recv_into)", "~",
     "<method 'recv_into' of '_socket.socket' objects>"),
    ("JSON decoding (Response.json)", "requests/models.py", "json"),
    ("template rendering (jinja2 Template.render)", "jinja2/environment.py",
     "render"),
    ("session store (sessions.py)", "kitsu_web/sessions.py", "get"),
]
# View wrappers whose cumulative time is the whole request.
OUTER = {"view", "show_list", "decorated_view"}
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def cumulative(stats, fragment, name):
    """Cumulative seconds and calls of functions matching a location."""
    seconds, calls = 0.0, 0
    for (filename, _, function), entry in stats.stats.items():
        if function == name and fragment in filename.replace("\\", "/"):
            # entry: (primitive calls, total calls, tottime, cumtime, ...)
            seconds = max(seconds, entry[3])
            calls += entry[1]
    return seconds, calls


def own_functions(stats, limit=8):
    """kitsu-web's own functions by cumulative time: [(name, s, calls)]."""
    rows = []
    for (filename, line, function), entry in stats.stats.items():
        path = filename.replace("\\", "/")
        if "/kitsu_web/" not in path or function in OUTER:
            continue
        short = path.split("/kitsu_web/", 1)[1]
        rows.append((f"{short}:{line} {function}", entry[3], entry[1]))
    rows.sort(key=lambda row: -row[1])
    return rows[:limit]


def profile_request(client, path):
    """Profile one GET; return (ms, status, pstats.Stats, text)."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    response = client.get(path)
    response.get_data()
    profiler.disable()
    elapsed = (time.perf_counter() - start) * 1000.0
    stats = pstats.Stats(profiler)
    buffer = io.StringIO()
    report = pstats.Stats(profiler, stream=buffer)
    report.sort_stats("cumulative").print_stats(45)
    report.sort_stats("tottime").print_stats(25)
    return elapsed, response.status_code, stats, buffer.getvalue()


def run(stack, workload, admin):
    """Profile the shot list cold and warm; return a Markdown summary."""
    from kitsu_web import create_app

    page = f"/productions/{workload['project_id']}/shots"
    with tempfile.TemporaryDirectory() as sessions:
        app = create_app(
            env="testing", secret_key=secrets.token_hex(32),
            api_target=stack["api_url"], event_target=stack["event_url"],
            session_dir=sessions, login_rate_limit=100000,
            bridge_mode="off", log_level="WARNING",
        )
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        match = CSRF_INPUT.search(login)
        client.post("/login", data={
            "email": admin["email"], "password": admin["password"],
            "csrf_token": match.group(1) if match else "",
        })
        results = {}
        for phase in ("cold", "warm"):
            elapsed, status, stats, text = profile_request(client, page)
            path = OUTPUT_DIR / f"profile-shots-{phase}.txt"
            OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            results[phase] = (elapsed, status, stats)
    status = results["cold"][1]
    if status != 200:
        reason = ("n/a (feature missing: the shot list page answers 404)"
                  if status == 404 else
                  f"refused: the shot list page answered HTTP {status}")
        return f"### Profile of the shot list request\n\n{reason}\n"
    lines = [
        "### Profile of the shot list request "
        f"({workload['shots']} shots, cProfile, in process)",
        "",
        "| Step | cold: s (calls) | warm: s (calls) |",
        "|---|---|---|",
    ]
    for label, fragment, name in STEPS:
        cells = []
        for phase in ("cold", "warm"):
            seconds, calls = cumulative(results[phase][2], fragment, name)
            cells.append(f"{seconds:.3f} ({calls})")
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    for phase in ("cold", "warm"):
        elapsed, status, _ = results[phase]
        lines.append(f"| wall clock under the profiler, {phase} | "
                     + (f"{elapsed / 1000:.3f} (HTTP {status})"
                        if phase == "cold" else "")
                     + " | "
                     + (f"{elapsed / 1000:.3f} (HTTP {status})"
                        if phase == "warm" else "")
                     + " |")
    lines += ["", "kitsu-web's own functions by cumulative time, cold:", "",
              "| Function | s | calls |", "|---|---|---|"]
    for name, seconds, calls in own_functions(results["cold"][2]):
        lines.append(f"| `{name}` | {seconds:.3f} | {calls} |")
    lines.append("")
    lines.append("Full profiles: .cache/bench/profile-shots-cold.txt and "
                 "profile-shots-warm.txt (top functions by cumulative and "
                 "own time).")
    return "\n".join(lines) + "\n"
