"""3. The big production's shot list page vs the Zou calls it needs.

Which Zou calls the page needs is not guessed: after a cold request the
harness reads the bench stack's access log for the requests kitsu-web made
(its User-Agent is ``kitsu-web``) and replays those GETs straight to Zou
with the same user's token, one after the other. Cold means a kitsu-web
just restarted with its Redis database emptied, its templates warmed on
the small warm-up production's shot list first.
"""

import re
import time
from pathlib import Path

import requests

from ..results import Row, missing_rows
from ..stats import Series
from .common import HTTP_TIMEOUT, timed_get

MEASURE = "3. Shot list page"
LOG_LINE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d+) '
    r'(?P<size>\S+) "[^"]*" "(?P<agent>[^"]*)"'
)
WEB_AGENT = "kitsu-web"


def access_log(ctx):
    """The bench stack's API access log, or None."""
    directory = ctx.stack.get("dir")
    path = Path(directory) / "api-access.log" if directory else None
    return path if path and path.exists() else None


def log_offset(path):
    """Current size of the access log."""
    return path.stat().st_size if path else 0


def calls_since(path, offset):
    """Zou requests kitsu-web made since offset: [(method, path)]."""
    if not path:
        return []
    # gunicorn writes the line once the response is sent: give it a beat.
    time.sleep(0.2)
    with open(path, "rb") as handle:
        handle.seek(offset)
        text = handle.read().decode(errors="replace")
    calls = []
    for line in text.splitlines():
        match = LOG_LINE.search(line)
        if match and match.group("agent").startswith(WEB_AGENT):
            calls.append((match.group("method"), match.group("path")))
    return calls


def replay(ctx, session, calls, series, sizes=None):
    """The calls' GETs straight to Zou, sequentially: one total (ms)."""
    total = 0.0
    size = 0
    for method, path in calls:
        if method != "GET":
            continue
        start = time.perf_counter()
        try:
            response = session.get(ctx.zou_url + path, timeout=HTTP_TIMEOUT)
            body = response.content
        except requests.RequestException as exc:
            series.fail(f"{type(exc).__name__}: {exc}")
            return
        total += (time.perf_counter() - start) * 1000.0
        if response.status_code >= 400:
            series.fail(f"{path}: HTTP {response.status_code}")
            return
        size += len(body)
    series.add(total)
    if sizes is not None:
        sizes.append(size)


def wire_bytes(session, url, encoding):
    """Bytes on the wire for a GET with the given Accept-Encoding."""
    with session.get(url, stream=True, timeout=HTTP_TIMEOUT,
                     headers={"Accept-Encoding": encoding}) as response:
        raw = response.raw.read(decode_content=False)
        return len(raw), response.headers.get("Content-Encoding", "none")


def count_rows(html):
    """Rough number of table rows in a page."""
    return len(re.findall(r"<tr[\s>]", html))


def describe(calls):
    """A short list of the Zou routes called."""
    names = []
    for _, path in calls:
        route = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>",
                       path.split("?")[0])
        if route not in names:
            names.append(route)
    return ", ".join(names[:4]) + (f" (+{len(names) - 4})"
                                   if len(names) > 4 else "")


def run(ctx):
    """Cold and warm page times, the Zou calls' time, bytes sent."""
    workload = ctx.workload
    page = f"/productions/{workload['project_id']}/shots"
    warm_page = f"/productions/{workload['warmup_project_id']}/shots"
    labels = ["cold, complete response", "warm, complete response",
              "bytes, identity", "bytes, gzip accepted"]
    session, _ = ctx.web_session()
    status = ctx.probe(page, session=session)
    if status == 404:
        return missing_rows(MEASURE, labels)
    log_path = access_log(ctx)
    url = ctx.web_url + page

    cold, needed_cold = Series(), Series()
    calls = []
    if ctx.web is not None:
        for _ in range(ctx.repeats(5, 2)):
            try:
                ctx.web.restart_cold()
                ctx.forget_web_sessions()
                session, _ = ctx.web_session()
                session.get(ctx.web_url + warm_page, timeout=HTTP_TIMEOUT)
            except (RuntimeError, requests.RequestException) as exc:
                cold.fail(f"restart: {exc}")
                continue
            offset = log_offset(log_path)
            timed_get(session, url, cold)
            calls = calls_since(log_path, offset) or calls
            # Paired: the same calls straight to Zou right away, so both
            # sides meet Zou in the same state.
            replay(ctx, ctx.zou_session(), calls, needed_cold)
    else:
        offset = log_offset(log_path)
        session.get(url, timeout=HTTP_TIMEOUT)
        calls = calls_since(log_path, offset)

    ctx.shot_calls = calls
    warm = Series()
    response = None
    for _ in range(ctx.repeats(20, 5)):
        response = timed_get(session, url, warm) or response
    rows_shown = count_rows(response.text) if response is not None else 0

    zou = ctx.zou_session()
    needed = Series()
    zou_sizes = []
    if calls:
        replay(ctx, zou, calls, Series())  # warm Zou's own caches once
        for _ in range(ctx.repeats(20, 5)):
            replay(ctx, zou, calls, needed, zou_sizes)
    else:
        needed.fail("no Zou call seen in the access log")
    note = (f"Zou calls ({len(calls)}): {describe(calls)}"
            if calls else "Zou calls unknown")
    result = [
        Row(MEASURE, labels[0], cold, needed_cold,
            note=note + "; cold = restart + empty Redis DB 5; Zou side "
            "replayed right after each cold request"
            if ctx.web else "no server control: cold not measured"),
        Row(MEASURE, labels[1], warm, needed,
            note=f"first response shows {rows_shown} table rows; Zou "
                 "side: the same calls, back to back"),
    ]
    sizes = {}
    for encoding in ("identity", "gzip"):
        kitsu_bytes, zou_bytes = Series("kB"), Series("kB")
        try:
            size, used = wire_bytes(session, url, encoding)
            kitsu_bytes.add(size / 1000)
            sizes[encoding] = used
        except requests.RequestException as exc:
            kitsu_bytes.fail(exc)
        if zou_sizes:
            zou_bytes.add(zou_sizes[-1] / 1000)
        else:
            zou_bytes.fail("no Zou call replayed")
        result.append(Row(
            MEASURE, f"bytes, Accept-Encoding {encoding}", kitsu_bytes,
            zou_bytes, stats=(50,),
            note=f"kitsu-web Content-Encoding: {sizes.get(encoding, '?')}; "
                 "Zou side: the JSON of the calls (Zou does not compress)",
        ))
    return result
