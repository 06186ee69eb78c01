"""A quick smoke run of the benchmark harness (bench/), no timing asserts.

The harness's own stack and seed are too big for the suite: this runs the
/api latency measure with a tiny workload (one seeded task) against the
test stack and the live kitsu-web, renders the table, and checks that a
side that errored makes the harness refuse the ratio.
"""

import pytest

from bench.context import Context
from bench.measures import api as api_measure
from bench.report import environment, render
from bench.results import Row
from bench.server import free_port
from bench.stats import Series


@pytest.fixture(scope="module")
def tiny_workload(zou_stack):
    """One task of a seeded production, as the measure expects."""
    project_id = zou_stack.projects["short"]["id"]
    tasks = zou_stack.get(f"/data/projects/{project_id}/tasks").json()
    assert tasks, "the seeded production has no task"
    return {"task_sample": [tasks[0]["id"]], "project_id": project_id}


def admin_of(zou_stack):
    """The seeded admin's credentials."""
    user = zou_stack.users["admin"]
    return {"email": user["email"], "password": user["password"]}


def test_table_renders_with_both_sides(zou_stack, live_server,
                                       tiny_workload):
    ctx = Context(zou_stack.api_url, zou_stack.event_url, live_server.url,
                  admin_of(zou_stack), tiny_workload, quick=True,
                  stack={"dir": zou_stack.dir})
    rows = api_measure.run(ctx)
    text = render(rows, environment("1.0.97"), "smoke: one task", "quick")

    assert "| # | Measure |" in text
    assert "/api passthrough latency" in text
    assert "cores" in text and "Zou 1.0.97" in text
    measured = [row for row in rows if not row.missing]
    for row in measured:
        assert row.kitsu.values and row.zou.values, row.to_dict()
        assert row.ratio_text().startswith("median ×"), row.ratio_text()


def test_ratio_refused_when_kitsu_web_side_errored(zou_stack,
                                                   tiny_workload):
    dead_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    ctx = Context(zou_stack.api_url, zou_stack.event_url, dead_url,
                  admin_of(zou_stack), tiny_workload, quick=True)
    rows = api_measure.run(ctx)
    text = render(rows, environment(), "smoke: dead kitsu-web", "quick")

    assert rows
    for row in rows:
        assert row.kitsu.errors and row.zou.values
        assert row.ratio_text().startswith("refused: kitsu-web errored")
    assert "refused: kitsu-web errored" in text
    assert "×" not in text.split("| Notes |", 1)[1]


def test_ratio_refused_when_zou_side_errored():
    kitsu = Series(values=[10.0, 12.0])
    zou = Series(values=[8.0])
    zou.fail("HTTP 502")
    row = Row("1. x", "y", kitsu, zou)

    assert row.ratio_text() == "refused: Zou errored (1)"
    assert Row("1. x", "y", kitsu, Series(values=[5.0])).ratio_text() == \
        "median ×2.20 · p95 ×2.38"
