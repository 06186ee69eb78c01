"""Kitsu's list filter language: every form of the reference, on fixed
entries, plus the syntax that must never fail (hints instead)."""

import pytest

from kitsu_web.lists.filters import Library, compile_query, parse

STATUSES = [
    {"id": "st-todo", "short_name": "todo", "name": "Todo"},
    {"id": "st-wip", "short_name": "wip", "name": "Work In Progress"},
    {"id": "st-wfa", "short_name": "wfa", "name": "Waiting For Approval"},
    {"id": "st-done", "short_name": "done", "name": "Done"},
]
TASK_TYPES = [
    {"id": "tt-layout", "name": "Layout"},
    {"id": "tt-anim", "name": "Animation"},
    {"id": "tt-fx", "name": "FX Sim"},
    {"id": "tt-layout-2", "name": "layout"},  # a live twin
    {"id": "tt-old", "name": "Cleanup", "archived": True},
]
ASSET_TYPES = [
    {"id": "at-char", "name": "Character"},
    {"id": "at-prop", "name": "Prop"},
]
PERSONS = [
    {"id": "p-alex", "first_name": "Alex", "last_name": "Artist",
     "full_name": "Alex Artist"},
    {"id": "p-bea", "first_name": "Bea", "last_name": "Van Dyke",
     "full_name": "Bea Van Dyke"},
]
DESCRIPTORS = [
    {"id": "d-size", "name": "Size", "field_name": "size",
     "data_type": "string"},
    {"id": "d-count", "name": "Crowd count", "field_name": "crowd_count",
     "data_type": "number"},
    {"id": "d-check", "name": "Steps", "field_name": "steps",
     "data_type": "checklist"},
    {"id": "d-anim", "name": "Animation", "field_name": "animation",
     "data_type": "string"},
]
LIBRARY = Library(
    task_types=TASK_TYPES, statuses=STATUSES, asset_types=ASSET_TYPES,
    persons=PERSONS, descriptors=DESCRIPTORS,
    departments=[{"id": "dep-1", "name": "Modeling"}],
)


def task(status, assignees=(), priority=0, ready=0):
    """A task as the cache keeps it."""
    return {"task_status_id": status, "assignees": list(assignees),
            "priority": priority, "nb_assets_ready": ready}


def entry(ident, words, tasks=None, **extra):
    """An entry as the cache keeps it."""
    row = {"id": ident, "words": tuple(w.lower() for w in words),
           "tasks": tasks or {}, "preview_file_id": None, "data": {},
           "asset_type_id": None, "ready_for": None, "nb_entities_out": 0}
    row.update(extra)
    return row


SHOTS = [
    entry("a", ["SH010", "blue rabbit 7", "E01"], {
        "tt-layout": task("st-wip", ["p-alex"], priority=2, ready=2),
        "tt-anim": task("st-todo", ["p-bea"]),
    }, preview_file_id="pf-1", nb_entities_out=2,
        data={"size": "Big", "crowd_count": 12,
              "steps": {"Blocking": True, "Polish": False}}),
    entry("b", ["SH020", "blue rabbit 7", "E01"], {
        "tt-layout": task("st-done"),
        "tt-anim": task("st-wip", ["p-alex"]),
    }, nb_entities_out=3, data={"size": "small"}),
    entry("c", ["SH030", "SQ-010", "E02"], {
        "tt-layout-2": task("st-wip", ["p-bea"], ready=0),
    }, data={"crowd_count": "12.0"}),
    entry("d", ["SH040", "Plan_é", "E02"], {}, preview_file_id="pf-4"),
    entry("e", ["SH050", "A&B"], {"tt-anim": task("st-wfa")}),
    entry("f", ["SH060", "50%"], {"tt-fx": task("st-wip")}),
    entry("g", ["SH070", "#3"], {}),
    entry("h", ["SH080", "C++"], {}),
    entry("i", ["SH090", "blue"], {}),
]


def ids(query, entries=SHOTS, family="shot", library=LIBRARY):
    """Ids of the entries the query keeps, and the hints."""
    result = compile_query(query, library, family)
    return [e["id"] for e in result.apply(entries)], result.hints


def kept(query, **kwargs):
    """Ids kept, asserting that no hint was raised."""
    found, hints = ids(query, **kwargs)
    assert hints == [], hints
    return found


ALL = [e["id"] for e in SHOTS]


# -- free text --------------------------------------------------------------

def test_empty_query_keeps_everything():
    """No query, no filter."""
    assert kept("") == ALL
    assert kept("   ") == ALL
    assert not compile_query("", LIBRARY).active


def test_word_is_a_case_insensitive_substring():
    """A word matches a part of any indexed name."""
    assert kept("sh01") == ["a"]
    assert kept("RABBIT") == ["a", "b"]
    assert kept("e02") == ["c", "d"]


def test_words_are_anded():
    """Space-separated terms must all match."""
    assert kept("blue rabbit") == ["a", "b"]
    assert kept("rabbit sh020") == ["b"]


def test_quoted_words_match_as_one_term():
    """"two words" keeps its space."""
    assert kept('"blue rabbit"') == ["a", "b"]
    assert kept('"blue rabbit 7" SH010') == ["a"]
    assert kept('"rabbit blue"') == []


@pytest.mark.parametrize("literal,expected", [
    ("SQ-010", ["c"]), ("Plan_é", ["d"]), ("plan_É", ["d"]),
    ("A&B", ["e"]), ("50%", ["f"]), ("#3", ["g"]), ("C++", ["h"]),
    ('"C++"', ["h"]), ("<script>", []), ("%", ["f"]), ("_", ["d"]),
])
def test_special_characters_match_literally(literal, expected):
    """Punctuation is plain text, never syntax or a pattern."""
    assert kept(literal) == expected


def test_exclusion():
    """-word leaves out entries matching the word."""
    assert kept("-rabbit") == ["c", "d", "e", "f", "g", "h", "i"]
    assert kept("blue -rabbit") == ["i"]
    assert kept('-"blue rabbit" -SH0') == []


def test_alternatives_in_brackets():
    """[a,b,c] without "=" matches any of the words."""
    assert kept("[SH010,SH030,nothing]") == ["a", "c"]
    assert kept("-[SH010,SH020,SH030,SH040,SH050,SH060,SH070,SH080]") == [
        "i"]
    assert kept("[blue rabbit, C++]") == ["a", "b", "h"]


# -- task status filters ------------------------------------------------------

def test_task_type_equals_status():
    """tasktype=status, case-insensitive, short names."""
    assert kept("animation=wip") == ["b"]
    assert kept("Animation=WIP") == ["b"]


def test_brackets_quote_names_and_values():
    """[Task Type]=status and x=[status] both work."""
    assert kept("[FX Sim]=wip") == ["f"]
    assert kept("[FX Sim]=[wip]") == ["f"]
    assert kept("animation=[wfa]") == ["e"]


def test_status_lists():
    """tasktype=wip,wfa: any of the listed statuses."""
    assert kept("animation=wip,wfa") == ["b", "e"]
    assert kept("animation=[wip, wfa]") == ["b", "e"]


def test_status_negation_lets_missing_tasks_pass():
    """tasktype=-wip: not in that status, entries without the task pass."""
    assert kept("animation=-wip") == ["a", "c", "d", "e", "f", "g", "h", "i"]
    assert kept("animation=[-wip,wfa]") == [
        "a", "c", "d", "f", "g", "h", "i"]
    assert kept("-animation=wip") == kept("animation=-wip")


def test_live_twins_of_a_task_type_all_match():
    """Two live task types with the same name are one column name."""
    assert kept("layout=wip") == ["a", "c"]


def test_archived_task_types_are_ignored():
    """An archived task type is not a filter name."""
    found, hints = ids("cleanup=wip")
    assert found == ALL
    assert hints == [
        "No task type or metadata column is called “cleanup” in this list "
        "(cleanup=wip)."
    ]


def test_assigned_and_unassigned():
    """Missing task counts as unassigned."""
    assert kept("layout=assigned") == ["a", "c"]
    assert kept("layout=unassigned") == ["b", "d", "e", "f", "g", "h", "i"]
    assert kept("layout=-assigned") == kept("layout=unassigned")
    assert kept("[Layout]=[unassigned]") == kept("layout=unassigned")


def test_status_on_any_task_type():
    """status=wip: that status on any task."""
    assert kept("status=wip") == ["a", "b", "c", "f"]
    assert kept("status=wfa,done") == ["b", "e"]
    assert kept("status=-wip") == ["d", "e", "g", "h", "i"]


def test_unknown_status_is_a_hint():
    """A status that does not exist is reported, the rest applies."""
    found, hints = ids("animation=wip,nope")
    assert found == ["b"]
    assert hints == ["No status is called “nope” (animation=wip,nope)."]


def test_task_type_of_another_family_is_a_hint():
    """A name that is no column of the list is reported, not applied."""
    found, hints = ids("Modeling=wip rabbit")
    assert found == ["a", "b"]
    assert "Modeling" in hints[0]


# -- asset filters ----------------------------------------------------------

ASSETS = [
    entry("lina", ["Lina", "Character"], asset_type_id="at-char",
          ready_for="tt-anim"),
    entry("fox", ["PaperFox", "Paper", "Fox", "Character"],
          asset_type_id="at-char"),
    entry("kite", ["Kite", "Prop"], asset_type_id="at-prop",
          ready_for="tt-layout"),
]


def test_asset_type_filters():
    """type=name and type=-name, exact names, lists."""
    assert kept("type=Character", entries=ASSETS, family="asset") == [
        "lina", "fox"]
    assert kept("type=-character", entries=ASSETS, family="asset") == [
        "kite"]
    assert kept("type=[Prop,Character]", entries=ASSETS,
                family="asset") == ["lina", "fox", "kite"]


def test_unknown_asset_type_is_a_hint():
    """type=nothing: reported."""
    found, hints = ids("type=Vehicle", entries=ASSETS, family="asset")
    assert found == ["lina", "fox", "kite"]
    assert hints == ["No asset type is called “Vehicle”."]


def test_type_on_shot_lists_is_a_hint():
    """type= belongs to asset lists."""
    assert ids("type=prop")[1]


def test_ready_for():
    """readyfor=[Task Type] and its negation."""
    assert kept("readyfor=Animation", entries=ASSETS, family="asset") == [
        "lina"]
    assert kept("readyfor=[Layout]", entries=ASSETS, family="asset") == [
        "kite"]
    assert kept("readyfor=-[Animation]", entries=ASSETS,
                family="asset") == ["fox", "kite"]


def test_assets_ready():
    """All cast assets ready; shots without casting pass only negated."""
    assert kept("assetsready=[Layout]") == ["a"]
    assert kept("assetsready=-[Layout]") == [
        "b", "c", "d", "e", "f", "g", "h", "i"]


def test_camel_case_and_words_of_asset_names():
    """Assets are found by parts of their names and by type."""
    assert kept("fox", entries=ASSETS, family="asset") == ["fox"]
    assert kept("prop", entries=ASSETS, family="asset") == ["kite"]


# -- people, priority, thumbnails ---------------------------------------------

def test_assigned_to_a_person_on_a_task_type():
    """assignedto[Task Type]=[Full Name], names without spaces."""
    assert kept("assignedto[Layout]=[Alex Artist]") == ["a"]
    assert kept("assignedto[Animation]=[bea van dyke]") == ["a"]
    assert kept("assignedto[Layout]=[BeaVanDyke]") == ["c"]


def test_assigned_to_on_any_task():
    """[] = any task; the older assignedto=Name also works."""
    assert kept("assignedto[]=[Alex Artist]") == ["a", "b"]
    assert kept("assignedto=AlexArtist") == ["a", "b"]
    assert kept("assignedto=[Alex Artist]") == ["a", "b"]


def test_assigned_to_negated():
    """- negates."""
    assert kept("assignedto[]=-[Alex Artist]") == [
        "c", "d", "e", "f", "g", "h", "i"]
    assert kept("-assignedto[Layout]=[Alex Artist]") == [
        "b", "c", "d", "e", "f", "g", "h", "i"]


def test_unknown_person_is_a_hint():
    """Nobody by that name: reported."""
    found, hints = ids("assignedto[Layout]=[Nobody Here]")
    assert found == ALL
    assert "Nobody Here" in hints[0]


def test_priority():
    """priority-tasktype=N, 0 normal … 3 emergency."""
    assert kept("priority-layout=2") == ["a"]
    assert kept("priority-[Layout]=0") == ["b", "c"]
    assert kept("priority-layout=-0") == ["a", "d", "e", "f", "g", "h", "i"]
    assert kept("priority-animation=0,2") == ["a", "b", "e"]


def test_bad_priority_is_a_hint():
    """Only 0 to 3."""
    found, hints = ids("priority-layout=9")
    assert found == ALL and "0 to 3" in hints[0]


def test_with_thumbnail():
    """withthumbnail and -withthumbnail."""
    assert kept("withthumbnail") == ["a", "d"]
    assert kept("-withthumbnail") == ["b", "c", "e", "f", "g", "h", "i"]
    assert kept("WithThumbnail") == ["a", "d"]


# -- metadata -----------------------------------------------------------------

def test_metadata_text_contains_and_number_equals():
    """<column>=value: text contains, numbers compare as numbers."""
    assert kept("size=big") == ["a"]
    assert kept("size=i") == ["a"]
    assert kept("[Crowd count]=12") == ["a", "c"]
    assert kept("crowd_count=1") == []


def test_metadata_lists_negation_and_empty():
    """[Col]=[v1,v2], =-v and [Col]=[]."""
    assert kept("[Size]=[big,small]") == ["a", "b"]
    assert kept("size=-big") == ["b", "c", "d", "e", "f", "g", "h", "i"]
    assert kept("[Size]=[]") == ["c", "d", "e", "f", "g", "h", "i"]
    assert kept("[Size]=-[]") == ["a", "b"]


def test_checklist_items():
    """col=item:true / item:false."""
    assert kept("steps=blocking:true") == ["a"]
    assert kept("steps=polish:false") == ["a"]
    assert kept("steps=polish:true") == []


def test_column_named_like_a_task_type_is_the_task_type():
    """The task type wins over the metadata column."""
    assert kept("animation=wip") == ["b"]


def test_department_is_for_people_lists():
    """department= is understood but does not filter entity lists."""
    found, hints = ids("department=Modeling")
    assert found == ALL and "people lists" in hints[0]
    found, hints = ids("department=[Modeling,Rigging]")
    assert any("Rigging" in hint for hint in hints)


# -- union ------------------------------------------------------------------

def test_union_ors_its_filters_and_ands_the_rest():
    """+( f1 f2 ) words."""
    assert kept("+(layout=done animation=wfa)") == ["b", "e"]
    assert kept("+(layout=done animation=wfa) rabbit") == ["b"]
    assert kept("+( [FX Sim]=wip withthumbnail )") == ["a", "d", "f"]
    assert kept('+("blue rabbit" C++) -SH020') == ["a", "h"]


def test_union_with_only_unknown_terms_is_ignored():
    """An empty union filters nothing and says why."""
    found, hints = ids("+(nope=wip)")
    assert found == ALL and hints


# -- syntax errors are hints, never exceptions ------------------------------

@pytest.mark.parametrize("query", [
    '"blue rabbit', "[Layout=wip", "+(layout=wip", "layout=", "=wip",
    "[]", "+()", '""', "-", "--", "a=b=c", "[[[", "]]]", ")", "+(+(x))",
    "assignedto", "assignedto=", "assignedtoLayout=[x]", "priority-=1",
    "priority-layout=", "\x00", "status=", "type=", "[Size]=[",
    'x"y', "-[", "=", "[a]=[b]=[c]", "layout=[wip", "é=ü",
])
def test_odd_syntax_never_raises(query):
    """Anything typed compiles; problems come back as hints."""
    result = compile_query(query, LIBRARY, "shot")
    result.apply(SHOTS)
    assert isinstance(result.hints, list)


def test_unclosed_quote_is_searched_as_words():
    """An unclosed quote is reported and its words still search."""
    found, hints = ids('"blue rabbit')
    assert found == ["a", "b"]
    assert "quote" in hints[0]


def test_unclosed_bracket_is_reported():
    """An unclosed bracket is reported."""
    found, hints = ids("[Layout=wip")
    assert "bracket" in hints[0]


def test_unclosed_union_is_reported():
    """+( without ) runs to the end, with a hint."""
    found, hints = ids("+(layout=done animation=wfa")
    assert found == ["b", "e"]
    assert "not closed" in hints[0]


def test_missing_value_and_name_are_hints():
    """key= and =value."""
    assert "no value" in ids("layout=")[1][0]
    assert "nothing before" in ids("=wip")[1][0]


def test_parse_keeps_terms_in_order():
    """The syntax tree lists terms and unions."""
    query = parse('"a b" -c [d,e] x=y +(f g) withthumbnail')
    kinds = [term.kind for term in query.terms]
    assert kinds == ["text", "text", "anytext", "equal", "thumbnail"]
    assert query.terms[1].negate
    assert [term.values for term in query.unions[0]] == [("f",), ("g",)]
    assert not query.hints
    assert parse("").is_empty


def test_any_task_filters_ignore_task_types_the_list_does_not_show():
    """status= and assignedto= without a task type look only at the
    list's columns: a client cannot probe a task type hidden from clients
    (nor anyone an archived one) through them."""
    hidden = {"tt-hidden": task("st-wip", ["p-alex"])}
    shown = {"tt-layout": task("st-todo")}
    rows = [entry("x", ["x"], {**hidden, **shown})]

    def ids(text):
        return [e["id"] for e in compile_query(text, LIBRARY).apply(rows)]

    assert ids("status=wip") == []
    assert ids("status=todo") == ["x"]
    assert ids("assignedto=[Alex Artist]") == []
    assert ids("assignedto[]=[Alex Artist]") == []
    old = [entry("y", ["y"], {"tt-old": task("st-wip", ["p-alex"])})]
    assert compile_query("status=wip", LIBRARY).apply(old) == []
