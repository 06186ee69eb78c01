"""6. Concurrent simulated users browsing lists and opening tasks.

Each simulated user has its own kitsu-web session (the ten bench people,
several sessions each) and loops for a fixed time: the shot list with a
search (50%) or without (20%), or a task panel as htmx asks for it (30%),
with 0.5-1.5 s of think time between pages. The same loop with a single
user gives the baseline p95. Every session loads the list once before
the timed runs, so both runs measure a warm steady state.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import requests

from ..results import Row, missing_rows
from ..server import web_login
from ..stats import RssSampler, Series
from .common import HTTP_TIMEOUT

MEASURE = "6. Concurrent users"
THINK = (0.5, 1.5)
LOGIN_THREADS = 4


def actions(ctx, has_panel):
    """The weighted URL generators of one user's loop."""
    workload = ctx.workload
    page = f"/productions/{workload['project_id']}/shots"
    terms = workload["search_terms"]
    tasks = workload["task_sample"]
    choices = [
        (50, lambda rng: (page, {"search": rng.choice(terms)}, {})),
        (20, lambda rng: (page, {}, {})),
    ]
    if has_panel:
        choices.append((30, lambda rng: (
            f"/tasks/{rng.choice(tasks)}/panel", {},
            {"HX-Request": "true"})))
    return choices


def user_loop(ctx, session, choices, deadline, seed, times, errors):
    """One simulated user until the deadline."""
    rng = random.Random(seed)
    weights = [w for w, _ in choices]
    while time.monotonic() < deadline:
        _, make = rng.choices(choices, weights=weights)[0]
        path, params, headers = make(rng)
        start = time.perf_counter()
        try:
            response = session.get(ctx.web_url + path, params=params,
                                   headers=headers, timeout=HTTP_TIMEOUT)
            response.content
            if response.status_code != 200:
                errors.append(f"{path}: HTTP {response.status_code}")
            else:
                times.append((time.perf_counter() - start) * 1000.0)
        except requests.RequestException as exc:
            errors.append(f"{path}: {type(exc).__name__}")
        pause = rng.uniform(*THINK)
        time.sleep(max(0.0, min(pause, deadline - time.monotonic())))


def log_in_all(ctx, count):
    """``count`` kitsu-web sessions spread over the bench people."""
    people = ctx.people or [{"email": ctx.admin["email"],
                             "password": ctx.admin["password"]}]
    wanted = [people[i % len(people)] for i in range(count)]

    def log_in(person):
        session, _ = web_login(ctx.web_url, person["email"],
                               person["password"])
        return session

    with ThreadPoolExecutor(LOGIN_THREADS) as pool:
        return list(pool.map(log_in, wanted))


def swarm(ctx, sessions, choices, seconds):
    """Run every session's loop at once; return (times, errors, sampler)."""
    times, errors = [], []
    deadline = time.monotonic() + seconds
    sampler = RssSampler(ctx.web.worker_pids if ctx.web else (lambda: []),
                         interval=0.1)
    with sampler:
        threads = [
            threading.Thread(target=user_loop, args=(
                ctx, session, choices, deadline, index, times, errors))
            for index, session in enumerate(sessions)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + HTTP_TIMEOUT + 5)
    return times, errors, sampler


def zou_pids(ctx):
    """The bench stack's API master and workers."""
    master = (ctx.stack.get("pids") or {}).get("api")
    if not master:
        return []
    try:
        return [master] + [c.pid for c in psutil.Process(master).children()]
    except psutil.Error:
        return []


def cpu_seconds(pids):
    """User + system CPU seconds used so far by the given processes."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def run(ctx):
    """p95 with many users vs one, errors, peak memory per worker."""
    users = 20 if ctx.quick else 50
    seconds = 8 if ctx.quick else 30
    labels = [f"{users} users, page time", "peak RSS per worker"]
    session, _ = ctx.web_session()
    page = f"/productions/{ctx.workload['project_id']}/shots"
    if ctx.probe(page, session=session) == 404:
        return missing_rows(MEASURE, labels)
    task = ctx.workload["task_sample"][0]
    has_panel = ctx.probe(f"/tasks/{task}/panel", session=session,
                          headers={"HX-Request": "true"}) not in (404, None)
    choices = actions(ctx, has_panel)
    try:
        sessions = log_in_all(ctx, users)
    except (RuntimeError, requests.RequestException) as exc:
        series = Series()
        series.fail(f"login: {exc}")
        return [Row(MEASURE, labels[0], series, Series())]

    # Steady state: every session has loaded the list once (Zou's ETag is
    # per person, so each person's first load is a full fetch).
    warmup_started = time.monotonic()
    for each in sessions:
        try:
            each.get(ctx.web_url + page, timeout=HTTP_TIMEOUT).content
        except requests.RequestException:
            pass
    warmup = time.monotonic() - warmup_started
    one_times, one_errors, _ = swarm(ctx, sessions[:1], choices, seconds)
    web_pids = ctx.web.worker_pids() if ctx.web else []
    stack_pids = zou_pids(ctx)
    cpu_before = (cpu_seconds(web_pids), cpu_seconds(stack_pids))
    psutil.cpu_percent()  # starts the machine-wide count
    many_times, many_errors, sampler = swarm(ctx, sessions, choices,
                                             seconds)
    machine = psutil.cpu_percent()
    cpu = [(cpu_seconds(pids) - before) / seconds * 100
           for pids, before in zip((web_pids, stack_pids), cpu_before)]
    single = Series(values=one_times, errors=one_errors)
    many = Series(values=many_times, errors=many_errors)
    mix = "lists + task panels" if has_panel else \
        "lists only (task panel missing)"
    rows = [Row(
        MEASURE, f"page time, {users} users (baseline: 1 user)", many,
        single,
        note=f"{seconds} s each, {mix}, think time 0.5-1.5 s; "
             f"{len(many_times)} pages, {len(many_errors)} errors; "
             f"warm-up (one list per session) {warmup:.0f} s; "
             f"CPU during the run: kitsu-web {cpu[0]:.0f}%, Zou API "
             f"{cpu[1]:.0f}% (of one core), whole machine {machine:.0f}% "
             f"busy; "
             "ratio column compares with the single-user run",
    )]
    peaks = Series("MB", values=[v / 1e6
                                 for v in sampler.peak_per_pid.values()])
    rows.append(Row(MEASURE, "peak RSS per worker", peaks, None,
                    stats=(100,), ratio=None,
                    note=f"growth during the run: "
                         f"{sampler.growth_mb:.1f} MB (all workers)"))
    return rows
