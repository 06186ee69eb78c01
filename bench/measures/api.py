"""1. ``/api`` passthrough latency for small JSON vs straight to Zou."""

from ..results import Row, missing_rows
from ..stats import Series
from .common import compare_gets, feature_status

MEASURE = "1. /api passthrough latency"


def run(ctx):
    """GET /data/projects and one task, through /api and direct."""
    task_id = ctx.workload["task_sample"][0]
    cases = [
        ("GET /data/projects, bearer", "/data/projects"),
        ("GET /data/tasks/<id>, bearer", f"/data/tasks/{task_id}"),
    ]
    bearer = ctx.bearer_session()
    status = feature_status(ctx, "/api/data/projects", session=bearer)
    if status == "missing":
        return missing_rows(MEASURE, [label for label, _ in cases])
    repeats = ctx.repeats(200, 30)
    rows = []
    zou = ctx.zou_session()
    for label, path in cases:
        kitsu_series, zou_series = compare_gets(
            [(bearer, ctx.web_url + "/api" + path),
             (zou, ctx.zou_url + path)],
            repeats,
        )
        rows.append(Row(MEASURE, label, kitsu_series, zou_series,
                        note="keep-alive, sequential, interleaved"))
    if status == "ok":
        rows.append(session_row(ctx, repeats, zou))
    return rows


def session_row(ctx, repeats, zou):
    """The same small GET with the session cookie and the CSRF header."""
    label = "GET /data/projects, session cookie"
    try:
        session, csrf = ctx.web_session()
    except Exception as exc:  # noqa: BLE001 - reported in the row
        failed = Series()
        failed.fail(exc)
        return Row(MEASURE, label, failed, Series(), note="login failed")
    session.headers["X-CSRFToken"] = csrf or ""
    kitsu_series, zou_series = compare_gets(
        [(session, ctx.web_url + "/api/data/projects"),
         (zou, ctx.zou_url + "/data/projects")],
        repeats,
    )
    return Row(MEASURE, label, kitsu_series, zou_series,
               note="token injected from the server-side session")
