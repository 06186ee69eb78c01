"""Helpers shared by the measures."""

import time

import requests

from ..stats import Series

HTTP_TIMEOUT = 60
GIVE_UP_AFTER = 3  # consecutive connection failures before a side stops


def timed_get(session, url, series, expect=(200,), **kwargs):
    """GET url, read the whole body, record the time (ms) or the error.

    Returns the response, or None on failure.
    """
    kwargs.setdefault("timeout", HTTP_TIMEOUT)
    start = time.perf_counter()
    try:
        response = session.get(url, **kwargs)
        body = response.content
    except requests.RequestException as exc:
        series.fail(f"{type(exc).__name__}: {exc}")
        return None
    elapsed = (time.perf_counter() - start) * 1000.0
    if response.status_code not in expect:
        series.fail(f"HTTP {response.status_code}: {body[:120]!r}")
        return None
    series.add(elapsed)
    return response


def dead(series):
    """True when the last attempts of a side all failed to connect."""
    recent = series.errors[-GIVE_UP_AFTER:]
    return (len(recent) == GIVE_UP_AFTER and not series.values
            and all("Connection" in e or "Timeout" in e for e in recent))


def compare_gets(pairs, repeats, warmup=5, expect=(200,)):
    """Alternate GETs on both sides; return (kitsu Series, zou Series).

    ``pairs`` is [(session, url) for kitsu-web, (session, url) for Zou].
    The order alternates every round so neither side always goes first.
    """
    (k_session, k_url), (z_session, z_url) = pairs
    kitsu, zou = Series(), Series()
    for _ in range(warmup):
        for session, url in pairs:
            try:
                session.get(url, timeout=HTTP_TIMEOUT).content
            except requests.RequestException:
                pass
    for index in range(repeats):
        order = [(k_session, k_url, kitsu), (z_session, z_url, zou)]
        if index % 2:
            order.reverse()
        for session, url, series in order:
            if dead(series):
                continue
            timed_get(session, url, series, expect=expect)
    return kitsu, zou


def feature_status(ctx, path, session=None, **kwargs):
    """"ok", "missing" (404 from a live kitsu-web) or "down"."""
    status = ctx.probe(path, session=session, **kwargs)
    if status is None:
        return "down"
    if status == 404:
        return "missing"
    return "ok"
