"""5. Event relay delay: Zou emit -> receipt through kitsu-web's sockets.

The clients run in a gevent subprocess (events_worker). Each round changes
the priority of a task of the warm-up production through Zou's API (one
``task:update``) and times its arrival at every kitsu-web client and at one
client connected straight to Zou's event stream, from the moment the API
call is sent. Missed events (5 s) count as errors.
"""

import json
import subprocess
import sys
from urllib.parse import urlparse

from .. import ROOT
from ..results import Row, missing_rows
from ..stats import Series

MEASURE = "5. Event relay"
WORKER_TIMEOUT = 900


def run(ctx):
    """Delays with 1, 100 and 500 kitsu-web sockets, and upstream count."""
    levels = [1, 100] if ctx.quick else [1, 100, 500]
    labels = [f"{n} socket(s) on kitsu-web" for n in levels]
    spec = {
        "web_url": ctx.web_url,
        "event_url": ctx.event_url,
        "zou_url": ctx.zou_url,
        "token": ctx.token,
        "task_id": ctx.workload["relay_task_id"],
        "levels": levels,
        "emits": ctx.repeats(30, 10),
        "event_port": urlparse(ctx.event_url).port,
        "web_pids": ([ctx.web.master_pid(), *ctx.web.worker_pids()]
                     if ctx.web else []),
    }
    try:
        process = subprocess.run(
            [sys.executable, "-m", "bench.measures.events_worker"],
            input=json.dumps(spec), capture_output=True, text=True,
            cwd=ROOT, timeout=WORKER_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return failed(labels, "relay worker timed out")
    try:
        result = json.loads(process.stdout)
    except ValueError:
        return failed(labels, f"relay worker crashed: "
                              f"{process.stderr.strip()[-300:]}")
    if "fatal" in result:
        reason = result["fatal"]
        if "namespace" in reason.lower() or "404" in reason:
            return missing_rows(
                MEASURE, labels,
                reason="n/a (feature missing: kitsu-web /events refused)")
        return failed(labels, reason)
    rows = []
    upstream = Series("conn")
    for level in result["levels"]:
        kitsu = Series(values=level["kitsu_ms"])
        zou = Series(values=level["zou_ms"])
        if level["connected"] < level["level"]:
            kitsu.fail(f"only {level['connected']} of {level['level']} "
                       "sockets connected")
        for _ in range(level["missed_kitsu"]):
            kitsu.fail("event not received within 5 s")
        for _ in range(level["missed_zou"]):
            zou.fail("event not received within 5 s")
        for error in level["errors"]:
            kitsu.fail(error)
        upstream.add(level["upstream"])
        rows.append(Row(
            MEASURE, f"{level['level']} socket(s) on kitsu-web, delay",
            kitsu, zou, stats=(50, 99),
            note=f"{spec['emits']} emits; Zou column: 1 client on Zou's "
                 f"stream; upstream connections: {level['upstream']}",
        ))
    rows.append(Row(MEASURE, "upstream connections to Zou's stream",
                    upstream, None, stats=(0, 100), ratio=None,
                    note="counted with psutil on kitsu-web's processes, "
                         "per level"))
    return rows


def failed(labels, reason):
    """Rows whose kitsu-web side failed for ``reason``."""
    rows = []
    for label in labels:
        series = Series()
        series.fail(reason)
        rows.append(Row(MEASURE, label + ", delay", series, Series(),
                        stats=(50, 99)))
    return rows
