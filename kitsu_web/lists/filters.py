"""Kitsu's list filter language, parsed and applied on the server.

``parse(text)`` turns a search query into a ``Query``: a list of terms
plus the ``+( … )`` union groups, and hints about syntax it could not
read. ``Query.compile(library, family)`` resolves the names in it (task
types, statuses, asset types, people, metadata columns) and returns a
``Filter`` whose ``matches(entry)`` says whether a list entry passes.
Nothing in here raises on user input: whatever cannot be understood
becomes a hint shown next to the search box and is left out of the
filter.

Entries are plain dicts, built by the list cache::

    {
        "id": "...",
        "words": ("sh010", "sq010", ...),   # lowercased searchable names
        "asset_type_id": "...",             # assets
        "tasks": {task_type_id: {"task_status_id", "assignees",
                                 "priority", "nb_assets_ready"}},
        "preview_file_id": "..." or None,
        "data": {...},                      # metadata values
        "ready_for": task_type_id or None,  # assets
        "nb_entities_out": 3,               # shots: cast assets
    }
"""

import json
from dataclasses import dataclass, field

ASSIGNATION_VALUES = ("assigned", "unassigned")
PRIORITY_NAMES = {"normal": 0, "high": 1, "very high": 2, "emergency": 3}


@dataclass(frozen=True)
class Term:
    """One search term, as written (names not resolved yet)."""

    kind: str  # text, anytext, thumbnail, equal, assignedto, priority
    negate: bool = False
    key: str = ""
    values: tuple = ()
    raw: str = ""
    any_task_type: bool = False


@dataclass
class Query:
    """A parsed search: AND-ed terms, OR-ed union groups, syntax hints."""

    text: str = ""
    terms: list = field(default_factory=list)
    unions: list = field(default_factory=list)
    hints: list = field(default_factory=list)

    @property
    def is_empty(self):
        """True when the query holds no term at all."""
        return not self.terms and not any(self.unions)

    def compile(self, library, family="asset"):
        """Resolve names against ``library``; return a ``Filter``."""
        resolver = _Resolver(library, family)
        hints = list(self.hints)
        predicates = []
        for term in self.terms:
            predicate = resolver.predicate(term, hints)
            if predicate is not None:
                predicates.append(predicate)
        unions = []
        for group in self.unions:
            members = []
            for term in group:
                predicate = resolver.predicate(term, hints)
                if predicate is not None:
                    members.append(predicate)
            if members:
                unions.append(members)
        return Filter(predicates, unions, _unique(hints))


@dataclass
class Library:
    """What names in a query may refer to, for one list."""

    task_types: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    asset_types: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    descriptors: list = field(default_factory=list)
    departments: list = field(default_factory=list)


class Filter:
    """A compiled query: ``matches(entry)`` and the hints to show."""

    def __init__(self, predicates=(), unions=(), hints=()):
        self.predicates = list(predicates)
        self.unions = [list(group) for group in unions]
        self.hints = list(hints)

    @property
    def active(self):
        """True when the filter can leave entries out."""
        return bool(self.predicates or self.unions)

    def matches(self, entry):
        """True when ``entry`` passes every term and every union."""
        for predicate in self.predicates:
            if not predicate(entry):
                return False
        for group in self.unions:
            if not any(predicate(entry) for predicate in group):
                return False
        return True

    def apply(self, entries):
        """The entries that pass, in their order."""
        if not self.active:
            return list(entries)
        return [entry for entry in entries if self.matches(entry)]


def compile_query(text, library, family="asset"):
    """Parse and compile ``text`` in one step."""
    return parse(text).compile(library, family)


# ---------------------------------------------------------------------------
# Syntax
# ---------------------------------------------------------------------------


def parse(text):
    """Read a search query into a ``Query``; never raises."""
    text = (text or "").replace("\x00", "")
    query = Query(text=text)
    for kind, chunk, unclosed in _chunks(text):
        if kind == "union":
            if unclosed:
                query.hints.append(
                    "“+(” is not closed: its terms run to the end."
                )
            group = []
            for inner_kind, inner, inner_unclosed in _chunks(chunk):
                if inner_kind == "union":
                    query.hints.append("A “+( … )” cannot hold another one.")
                    for _, nested, nested_unclosed in _chunks(
                        inner.replace("+(", " ")
                    ):
                        _add_terms(group, query.hints, nested,
                                   nested_unclosed)
                    continue
                _add_terms(group, query.hints, inner, inner_unclosed)
            if group:
                query.unions.append(group)
            else:
                query.hints.append("“+( )” holds no term.")
        else:
            _add_terms(query.terms, query.hints, chunk, unclosed)
    query.hints = _unique(query.hints)
    return query


def _add_terms(terms, hints, chunk, unclosed):
    """Append the term(s) of one chunk; unbalanced chunks are literal."""
    if unclosed:
        what = "quote" if chunk.count('"') % 2 else "bracket"
        hints.append(
            f"A {what} is not closed in “{chunk}”: searched as plain words."
        )
        for word in chunk.replace('"', " ").split():
            negate = word.startswith("-") and len(word) > 1
            value = word[1:] if negate else word
            terms.append(Term("text", negate, values=(value,), raw=word))
        return
    term = _term(chunk, hints)
    if term is not None:
        terms.append(term)


def _chunks(text):
    """Yield (kind, chunk, unclosed) for the query's top-level pieces.

    Spaces separate chunks except inside quotes and brackets; ``+( … )``
    is returned whole as a "union" piece.
    """
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text.startswith("+(", i):
            j = _scan(text, i + 2, stop_at_paren=True)
            yield "union", text[i + 2:j], j >= n
            i = j + 1
            continue
        start = i
        i = _scan(text, i)
        chunk = text[start:i]
        yield "chunk", chunk, not _balanced(chunk)


def _tracked(text, start=0):
    """Each character from ``start`` as (index, char, inside), where
    ``inside`` says the text after it is within quotes or brackets."""
    quote, depth = False, 0
    for index in range(start, len(text)):
        char = text[index]
        if char == '"':
            quote = not quote
        elif not quote and char == "[":
            depth += 1
        elif not quote and char == "]" and depth:
            depth -= 1
        yield index, char, quote or depth > 0


def _scan(text, i, stop_at_paren=False):
    """Index where the chunk starting at ``i`` ends."""
    for index, char, inside in _tracked(text, i):
        if inside:
            continue
        if char == ")" if stop_at_paren else char.isspace():
            return index
    return len(text)


def _balanced(chunk):
    """True when quotes and brackets of ``chunk`` are closed."""
    inside = False
    for _, _, inside in _tracked(chunk):
        pass
    return not inside


def _top_level(text, wanted):
    """Index of the first ``wanted`` outside quotes and brackets, or -1."""
    for index, char, inside in _tracked(text):
        if not inside and char == wanted:
            return index
    return -1


def _is_bracketed(text):
    """True for ``[…]`` whose first bracket closes at the very end."""
    if len(text) < 2 or text[0] != "[" or text[-1] != "]":
        return False
    depth = 0
    for index, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0 and index != len(text) - 1:
                return False
    return True


def _unbracket(text):
    """``[a b]`` → ``a b``; anything else unchanged (trimmed)."""
    text = text.strip()
    return text[1:-1].strip() if _is_bracketed(text) else text


def _split_values(text):
    """Comma-separated values, trimmed, empty ones dropped."""
    return tuple(
        part.strip().strip('"').strip()
        for part in text.split(",")
        if part.strip().strip('"').strip()
    )


def _term(chunk, hints):
    """Classify one balanced chunk."""
    negate = chunk.startswith("-") and len(chunk) > 1
    body = chunk[1:] if negate else chunk
    if len(body) >= 2 and body[0] == body[-1] == '"' and (
        '"' not in body[1:-1]
    ):
        inner = body[1:-1].strip()
        if not inner:
            return None
        return Term("text", negate, values=(inner,), raw=chunk)
    eq = _top_level(body, "=")
    if eq >= 0:
        return _equal_term(body[:eq], body[eq + 1:], negate, chunk, hints)
    if _is_bracketed(body):
        values = _split_values(body[1:-1])
        if not values:
            hints.append(f"“{chunk}” holds no word.")
            return None
        return Term("anytext", negate, values=values, raw=chunk)
    if body.lower() == "withthumbnail":
        return Term("thumbnail", negate, raw=chunk)
    value = body.replace('"', "")
    if not value:
        return None
    return Term("text", negate, values=(value,), raw=chunk)


def _equal_term(key, value, negate, chunk, hints):
    """A ``key=value`` chunk, with brackets, lists and negations."""
    value = value.strip()
    explicit_empty = value.lstrip("-").replace(" ", "") == "[]"
    if value.startswith("-"):
        negate, value = not negate, value[1:]
    value = _unbracket(value)
    if value.startswith("-"):
        negate, value = not negate, value[1:].strip()
    values = _split_values(value)
    lowered = key.lower()
    if lowered.startswith("assignedto"):
        rest = key[len("assignedto"):].strip()
        if rest and not _is_bracketed(rest):
            hints.append(
                f"Write “assignedto[Task Type]=[Full Name]” in “{chunk}”."
            )
            return None
        task_type = _unbracket(rest) if rest else ""
        if not values:
            hints.append(f"“{chunk}” names nobody.")
            return None
        return Term(
            "assignedto", negate, key=task_type, values=values, raw=chunk,
            any_task_type=not task_type,
        )
    if lowered.startswith("priority-"):
        task_type = _unbracket(key[len("priority-"):])
        if not task_type or not values:
            hints.append(f"Write “priority-tasktype=N” in “{chunk}”.")
            return None
        return Term("priority", negate, key=task_type, values=values,
                    raw=chunk)
    name = _unbracket(key)
    if not name:
        hints.append(f"“{chunk}” has nothing before “=”.")
        return None
    if not values and not explicit_empty:
        hints.append(f"“{chunk}” has no value after “=”.")
        return None
    return Term("equal", negate, key=name, values=values, raw=chunk)


# ---------------------------------------------------------------------------
# Names and predicates
# ---------------------------------------------------------------------------


def _unique(items):
    """Items without repeats, order kept."""
    seen, result = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            result.append(item)
    return result


def _squash(name):
    """A person's name compared without case or spaces."""
    return "".join((name or "").lower().split())


def person_names(person):
    """The names a person may be written as in ``assignedto``."""
    names = {_squash(person.get("full_name"))}
    names.add(_squash(
        f"{person.get('first_name') or ''}{person.get('last_name') or ''}"
    ))
    names.discard("")
    return names


def _task_of(entry, type_ids):
    """The entry's task of one of ``type_ids`` (twins), or None."""
    tasks = entry.get("tasks") or {}
    for type_id in type_ids:
        task = tasks.get(type_id)
        if task is not None:
            return task
    return None


def _negated(predicate, negate):
    """``predicate`` or its opposite."""
    if not negate:
        return predicate
    return lambda entry: not predicate(entry)


class _Resolver:
    """Turns terms into predicates for one library and entity family."""

    def __init__(self, library, family):
        self.family = family
        self.task_types = {}
        for task_type in library.task_types or ():
            if task_type.get("archived"):
                continue
            name = (task_type.get("name") or "").strip().lower()
            self.task_types.setdefault(name, []).append(task_type["id"])
        # Filters on "any task" read only the list's own columns: a task
        # type hidden from this user (clients) or archived stays unseen.
        self.shown = {
            type_id for ids in self.task_types.values() for type_id in ids
        }
        self.statuses = {}
        for status in library.statuses or ():
            for name in (status.get("short_name"), status.get("name")):
                if name:
                    self.statuses.setdefault(name.strip().lower(),
                                             status["id"])
        self.asset_types = {
            (kind.get("name") or "").strip().lower(): kind["id"]
            for kind in library.asset_types or ()
        }
        self.persons = {}
        for person in library.persons or ():
            for name in person_names(person):
                self.persons.setdefault(name, set()).add(person["id"])
        self.descriptors = {}
        for descriptor in library.descriptors or ():
            for name in (descriptor.get("name"), descriptor.get("field_name")):
                if name:
                    self.descriptors.setdefault(name.strip().lower(),
                                                descriptor)
        self.departments = {
            (department.get("name") or "").strip().lower()
            for department in library.departments or ()
        }

    # -- terms ------------------------------------------------------------

    def predicate(self, term, hints):
        """A callable entry → bool for ``term``, or None (with a hint)."""
        handler = getattr(self, f"_{term.kind}")
        return handler(term, hints)

    def _text(self, term, hints):
        needle = term.values[0].lower()

        def matches(entry):
            return any(needle in word for word in entry.get("words", ()))

        return _negated(matches, term.negate)

    def _anytext(self, term, hints):
        needles = [value.lower() for value in term.values]

        def matches(entry):
            words = entry.get("words", ())
            return any(n in word for n in needles for word in words)

        return _negated(matches, term.negate)

    def _thumbnail(self, term, hints):
        return _negated(lambda entry: bool(entry.get("preview_file_id")),
                        term.negate)

    def _assignedto(self, term, hints):
        type_ids = None
        if not term.any_task_type:
            type_ids = self._task_type_ids(term.key, term.raw, hints)
            if type_ids is None:
                return None
        people = set()
        for value in term.values:
            found = self.persons.get(_squash(value))
            if found:
                people |= found
            else:
                hints.append(f"Nobody is called “{value}” ({term.raw}).")
        if not people:
            return None

        def matches(entry):
            if type_ids is None:
                tasks = self._shown_tasks(entry)
            else:
                task = _task_of(entry, type_ids)
                tasks = [task] if task else []
            return any(
                people.intersection(task.get("assignees") or ())
                for task in tasks
            )

        return _negated(matches, term.negate)

    def _priority(self, term, hints):
        type_ids = self._task_type_ids(term.key, term.raw, hints)
        if type_ids is None:
            return None
        levels = set()
        for value in term.values:
            level = PRIORITY_NAMES.get(value.lower())
            if level is None and value in ("0", "1", "2", "3"):
                level = int(value)
            if level is None:
                hints.append(
                    f"Priority is 0 to 3 (normal, high, very high, "
                    f"emergency), not “{value}”."
                )
            else:
                levels.add(level)
        if not levels:
            return None

        def matches(entry):
            task = _task_of(entry, type_ids)
            return task is not None and (task.get("priority") or 0) in levels

        return _negated(matches, term.negate)

    def _equal(self, term, hints):
        key = term.key.strip().lower()
        special = {
            "type": self._asset_type,
            "status": self._any_status,
            "department": self._department,
            "readyfor": self._ready_for,
            "assetsready": self._assets_ready,
            "assignedto": self._assignedto,
        }
        if key in special and key not in self.task_types:
            if key == "assignedto":
                return self._assignedto(
                    Term("assignedto", term.negate, values=term.values,
                         raw=term.raw, any_task_type=True),
                    hints,
                )
            return special[key](term, hints)
        if key in self.task_types:
            return self._task_status(self.task_types[key], term, hints)
        if key in self.descriptors:
            return self._metadata(self.descriptors[key], term, hints)
        hints.append(
            f"No task type or metadata column is called “{term.key}” "
            f"in this list ({term.raw})."
        )
        return None

    def _shown_tasks(self, entry):
        """The entry's tasks of the task types this list shows."""
        return [
            task for type_id, task in (entry.get("tasks") or {}).items()
            if type_id in self.shown
        ]

    # -- equal forms ------------------------------------------------------

    def _task_type_ids(self, name, raw, hints):
        ids = self.task_types.get(name.strip().lower())
        if not ids:
            hints.append(f"No task type is called “{name}” in this list "
                         f"({raw}).")
            return None
        return ids

    def _status_ids(self, values, raw, hints):
        ids = set()
        for value in values:
            status_id = self.statuses.get(value.lower())
            if status_id:
                ids.add(status_id)
            else:
                hints.append(f"No status is called “{value}” ({raw}).")
        return ids

    def _task_status(self, type_ids, term, hints):
        lowered = {value.lower() for value in term.values}
        if lowered and lowered <= set(ASSIGNATION_VALUES):
            if len(lowered) > 1:
                return None  # assigned or unassigned: everything
            wanted = "assigned" in lowered

            def assigned(entry):
                task = _task_of(entry, type_ids)
                return bool(task and task.get("assignees"))

            return _negated(assigned, term.negate != (not wanted))
        if not term.values:
            hints.append(f"“{term.raw}” names no status.")
            return None
        status_ids = self._status_ids(term.values, term.raw, hints)
        if not status_ids:
            return None

        def matches(entry):
            task = _task_of(entry, type_ids)
            return task is not None and task.get("task_status_id") in (
                status_ids
            )

        return _negated(matches, term.negate)

    def _any_status(self, term, hints):
        status_ids = self._status_ids(term.values, term.raw, hints)
        if not status_ids:
            if not term.values:
                hints.append(f"“{term.raw}” names no status.")
            return None

        def matches(entry):
            return any(
                task.get("task_status_id") in status_ids
                for task in self._shown_tasks(entry)
            )

        return _negated(matches, term.negate)

    def _asset_type(self, term, hints):
        if self.family != "asset":
            hints.append(f"“type=” filters asset lists ({term.raw}).")
            return None
        ids = set()
        for value in term.values:
            type_id = self.asset_types.get(value.lower())
            if type_id:
                ids.add(type_id)
            else:
                hints.append(f"No asset type is called “{value}”.")
        if not ids:
            return None
        return _negated(lambda entry: entry.get("asset_type_id") in ids,
                        term.negate)

    def _department(self, term, hints):
        unknown = [v for v in term.values if v.lower() not in self.departments]
        if unknown:
            hints.append(f"No department is called “{unknown[0]}”.")
        hints.append(
            f"“department=” filters people lists; it is ignored here "
            f"({term.raw})."
        )
        return None

    def _ready_for(self, term, hints):
        if self.family != "asset":
            hints.append(f"“readyfor=” filters asset lists ({term.raw}).")
            return None
        ids = set()
        for value in term.values:
            found = self._task_type_ids(value, term.raw, hints)
            ids.update(found or ())
        if not ids:
            return None
        return _negated(lambda entry: entry.get("ready_for") in ids,
                        term.negate)

    def _assets_ready(self, term, hints):
        if self.family != "shot":
            hints.append(f"“assetsready=” filters shot lists ({term.raw}).")
            return None
        ids = []
        for value in term.values:
            ids.extend(self._task_type_ids(value, term.raw, hints) or ())
        if not ids:
            return None

        def matches(entry):
            cast = entry.get("nb_entities_out") or 0
            if cast <= 0:
                return False
            task = _task_of(entry, ids)
            return task is not None and (
                (task.get("nb_assets_ready") or 0) >= cast
            )

        return _negated(matches, term.negate)

    def _metadata(self, descriptor, term, hints):
        field_name = descriptor.get("field_name") or descriptor.get("name")
        data_type = (descriptor.get("data_type") or "string").lower()
        values = [value.lower() for value in term.values]

        def matches(entry):
            stored = (entry.get("data") or {}).get(field_name)
            if not values:
                return _is_blank(stored)
            if _is_blank(stored):
                return False
            return any(_metadata_match(stored, data_type, v) for v in values)

        return _negated(matches, term.negate)


def _is_blank(value):
    """True for a missing or empty metadata value."""
    return value is None or (
        isinstance(value, (str, list, dict)) and not value
    )


def _checklist_items(stored):
    """A checklist value as {item text lowercased: ticked}."""
    if isinstance(stored, str):
        try:
            stored = json.loads(stored)
        except ValueError:
            return {}
    if isinstance(stored, dict):
        return {str(k).lower(): bool(v) for k, v in stored.items()}
    if isinstance(stored, list):
        items = {}
        for item in stored:
            if isinstance(item, dict):
                text = str(item.get("text", "")).lower()
                items[text] = bool(item.get("checked"))
        return items
    return {}


def _metadata_match(stored, data_type, value):
    """One metadata value against one wanted value (lowercased)."""
    if data_type == "checklist" or (
        ":" in value and value.rsplit(":", 1)[1] in ("true", "false")
        and not isinstance(stored, (int, float))
    ):
        item, _, ticked = value.rpartition(":")
        items = _checklist_items(stored)
        if item and ticked in ("true", "false"):
            return items.get(item.strip()) is (ticked == "true")
    if data_type == "number" or isinstance(stored, (int, float)):
        try:
            return float(stored) == float(value)
        except (TypeError, ValueError):
            pass
    if data_type == "boolean" or isinstance(stored, bool):
        if value in ("true", "false"):
            truthy = str(stored).lower() in ("true", "1", "yes")
            return truthy is (value == "true")
    if isinstance(stored, (list, tuple)):
        return any(value in str(item).lower() for item in stored)
    return value in str(stored).lower()
