"""Property-style checks of the list filter language: whatever is typed,
the parser answers with a filter and hints, never an exception.

Queries are built from a fixed seed (the same cases on every run), from
pieces of the real syntax mixed with broken ones, so that the loops reach
the forms a person can type: ``key=value`` with brackets, lists,
negations, unions, quotes, and every odd character a search box gets.
"""

import random

import pytest

from kitsu_web.lists.filters import compile_query, parse
from kitsu_web.tasks import filters as task_filters
from tests.unit.test_filters import LIBRARY, entry, task

SEED = 20261204
ROUNDS = 3000

KEYS = [
    "Layout", "[Layout]", "layout", "[FX Sim]", "Animation", "status",
    "type", "department", "readyfor", "assetsready", "assignedto",
    "assignedto[Layout]", "assignedto[]", "priority-Layout",
    "priority-[FX Sim]", "priority-", "Size", "[Crowd count]", "Steps",
    "crowd_count", "[Nope]", "", "-", "[", "]", '"', "+(",
]
VALUES = [
    "wip", "wip,wfa", "-wip", "[wip]", "[wip, done]", "-[wip]", "[]",
    "-[]", "assigned", "unassigned", "assigned,unassigned", "Character",
    "-Prop", "[Alex Artist]", "Alex Artist", "0", "3", "9", "high",
    "very high", "²", "①", "٣", "Ⅻ", "1e999", "nan", "-inf", "big",
    "a:true", "a:false", ":true", "", "=", "[[", "]]", '"', "-",
]
ATOMS = [
    "[[", "]=", "+(", ")", '"', "[", "]", "=", "-", ",", ":", "(", "+",
    "withthumbnail", "-withthumbnail", "sh010", '"blue rabbit"', "C++",
    "50%", "#3", "A&B", "Plan_é", "%00", "\x00", "\t", "\n", "\u202e",
    "\ufeff", "🦊", "ß", "İ", "<script>", '"><img onerror=x>',
    "javascript:", "x" * 40,
]

ENTRIES = [
    entry("a", ["sh010", "sq01", "blue rabbit"],
          {"tt-layout": task("st-wip", ["p-alex"], 2),
           "tt-fx": task("st-done", (), 3, ready=2)},
          data={"size": "big", "crowd_count": 3,
                "steps": [{"text": "a", "checked": True}]},
          preview_file_id="pf", nb_entities_out=2, ready_for="tt-anim"),
    entry("b", ["prop", "c++"], {},
          data={"size": None, "crowd_count": "x", "steps": "not json"},
          asset_type_id="at-prop"),
    entry("c", ["a&b"], {"tt-anim": task("st-todo", ["p-bea"])},
          data={"steps": {"a": 1}, "size": ["x", 1], "crowd_count": True}),
]
TASK_ROWS = [
    {"id": "t1", "entity_name": "SH010", "task_type_name": "Layout",
     "task_status_short_name": "wip", "project_name": "Paper Lanterns",
     "assignees": ["p-alex"]},
    {"id": "t2", "entity_name": None, "task_type_name": None,
     "project_name": "", "assignees": None},
]
PERSONS = {"p-alex": {"full_name": "Alex Artist"}}


def random_term(rng):
    """One piece of a query: a real form, mangled or not."""
    kind = rng.random()
    if kind < 0.45:
        term = rng.choice(KEYS) + "=" + rng.choice(VALUES)
    elif kind < 0.6:
        term = "+( " + " ".join(
            rng.choice(KEYS) + "=" + rng.choice(VALUES)
            for _ in range(rng.randint(0, 3))
        ) + rng.choice([" )", ")", ""])
    else:
        term = "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.2:
        term = "-" + term
    if rng.random() < 0.1 and term:
        cut = rng.randrange(len(term))
        term = term[:cut]
    return term


def random_query(rng):
    """A query of a few random terms."""
    return " ".join(random_term(rng) for _ in range(rng.randint(0, 5)))


def check(text, family):
    """Parse, compile and apply one query; return the filter."""
    compiled = compile_query(text, LIBRARY, family)
    kept = compiled.apply(ENTRIES)
    assert all(e in ENTRIES for e in kept)
    assert all(isinstance(h, str) and h for h in compiled.hints)
    return compiled


@pytest.mark.parametrize("family", ["asset", "shot", "sequence"])
def test_random_queries_never_raise(family):
    """A few thousand generated queries: always a filter, hints as text."""
    rng = random.Random(f"{SEED}-{family}")
    for _ in range(ROUNDS):
        text = random_query(rng)
        try:
            check(text, family)
        except Exception as exc:  # noqa: BLE001 - report the query
            pytest.fail(f"{family} query {text!r} raised {exc!r}")


@pytest.mark.parametrize("value", ["²", "①", "٣", "Ⅻ", "¹²", "𝟑"])
def test_priority_with_unicode_digits_is_a_hint(value):
    """Characters Python calls digits (some int() refuses) are not a
    priority: a hint, never an exception."""
    compiled = check(f"priority-Layout={value}", "shot")
    assert any("Priority is 0 to 3" in hint for hint in compiled.hints)


def test_random_queries_on_the_task_list_variant():
    """My Tasks' filter takes the same generated queries without raising."""
    rng = random.Random(f"{SEED}-tasks")
    for _ in range(ROUNDS):
        text = random_query(rng)
        try:
            task_filters.apply(TASK_ROWS, text, True, PERSONS)
        except Exception as exc:  # noqa: BLE001 - report the query
            pytest.fail(f"task-list query {text!r} raised {exc!r}")


@pytest.mark.parametrize("text", [
    "[" * 2500 + "]" * 2500,
    "+(" * 2500,
    '"a ' * 1700,
    "a=" * 2500,
    "-" * 5000,
    "x " * 2500,
    "é" * 5000,
    "+( [Layout]=wip " * 300,
])
def test_long_queries_parse_quickly(text):
    """5,000 characters of nesting, unions or quotes: answered at once."""
    import time

    started = time.monotonic()
    check(text, "shot")
    task_filters.apply(TASK_ROWS, text)
    assert time.monotonic() - started < 2.0


def test_parse_keeps_no_nul_and_round_trips_text():
    """NUL bytes are dropped; the query text is kept for the search box."""
    query = parse("sh\x00010 <b>")
    assert "\x00" not in query.text
    assert query.text == "sh010 <b>"
