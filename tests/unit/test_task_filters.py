"""The task-list filter syntax of My Tasks."""

from kitsu_web.tasks.filters import apply, name_words, parse

TASKS = [
    {"id": "1", "entity_name": "GrandpaJo", "entity_type_name": "Character",
     "task_type_name": "Modeling", "task_status_short_name": "wip",
     "project_name": "Paper Lanterns", "assignees": ["p1"]},
    {"id": "2", "entity_name": "SH010", "sequence_name": "SQ010",
     "task_type_name": "Layout", "task_status_short_name": "todo",
     "project_name": "Paper Lanterns", "assignees": ["p2"]},
    {"id": "3", "entity_name": "night_market", "entity_type_name":
     "Environment", "task_type_name": "Shading",
     "task_status_short_name": "retake", "project_name": "Quiet Lab",
     "assignees": []},
]


def ids(query, **kwargs):
    """Ids of the tasks a query keeps."""
    return [t["id"] for t in apply(TASKS, query, **kwargs)]


def test_free_text_searches_every_indexed_word():
    """Entity words, task type, status and production are searched."""
    assert ids("grandpa") == ["1"]
    assert ids("jo") == ["1"]
    assert ids("sq010") == ["2"]
    assert ids("layout") == ["2"]
    assert ids("retake") == ["3"]
    assert ids("quiet") == ["3"]
    assert ids("market") == ["3"]


def test_terms_are_anded_and_negated():
    """Space-separated terms all apply; -word excludes."""
    assert ids("paper wip") == ["1"]
    assert ids("paper -wip") == ["2"]
    assert ids("-paper") == ["3"]


def test_alternatives_and_quotes():
    """[a,b] keeps either; quotes keep spaces."""
    assert ids("[wip,todo]") == ["1", "2"]
    assert ids("-[wip,todo]") == ["3"]
    assert ids('"paper lanterns"') == ["1", "2"]
    assert ids("[Quiet Lab,layout]") == ["2", "3"]


def test_equal_filters_are_ignored():
    """tasktype=status filters do not apply to task lists."""
    assert ids("modeling=wip") == ["1", "2", "3"]
    assert parse("a=b") == []


def test_assignee_names_for_supervisors():
    """Supervisors also search assignee names (spaces optional)."""
    persons = {"p1": {"full_name": "Alex Artist"},
               "p2": {"full_name": "Bea Artist"}}
    assert ids("alexartist", with_assignees=True, persons=persons) == ["1"]
    assert ids("bea", with_assignees=True, persons=persons) == ["2"]
    assert ids("bea") == []


def test_name_words_split_camel_case_and_separators():
    """CamelCase, underscores and dashes split names into words."""
    assert {"grandpajo", "grandpa", "jo"} <= set(name_words("GrandpaJo"))
    assert {"night", "market"} <= set(name_words("night_market"))
