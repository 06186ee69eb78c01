"""The grid of a production list: columns, filtering, sorting, paging.

Pure functions over the cached entries (``cache.py``) and the user's
context; the views only glue them to URLs and templates.
"""

import hashlib
import math
from urllib.parse import urlencode

from .cache import _natural
from .filters import Library, parse

FAMILIES = {
    "assets": "asset",
    "shots": "shot",
    "sequences": "sequence",
    "episodes": "episode",
}
SEGMENTS = {family: segment for segment, family in FAMILIES.items()}
FOR_ENTITY = {
    "asset": "Asset",
    "shot": "Shot",
    "sequence": "Sequence",
    "episode": "Episode",
}
AVATAR_COLOURS = 12


def by_id(rows):
    """Index Zou rows by id."""
    return {row["id"]: row for row in rows or ()}


def task_type_columns(context, project, family, role):
    """The production's task types for this family, in Kitsu's order."""
    known = by_id(context.get("task_types"))
    priorities = project.get("task_types_priority") or {}
    links = project.get("task_type_links") or {}
    columns = []
    for type_id in project.get("task_types") or ():
        task_type = known.get(type_id)
        if not task_type or task_type.get("archived"):
            continue
        if task_type.get("for_entity") != FOR_ENTITY[family]:
            continue
        if role == "client" and (
            (links.get(type_id) or {}).get("is_client_visible") is False
        ):
            continue
        columns.append(task_type)

    def order(task_type):
        priority = priorities.get(task_type["id"])
        if priority is None:
            priority = task_type.get("priority") or 0
        return (priority, (task_type.get("name") or "").lower())

    return sorted(columns, key=order)


def descriptors_for(project, family, role):
    """The production's metadata columns for this family."""
    rows = [
        d for d in project.get("descriptors") or ()
        if d.get("entity_type") == FOR_ENTITY[family]
    ]
    if role == "client":
        rows = [d for d in rows if d.get("for_client")]
    return rows


def library_for(context, project, family, columns, role):
    """The names a query on this list may use."""
    return Library(
        task_types=columns,
        statuses=[
            s for s in context.get("task_status") or ()
            if not s.get("archived")
        ],
        asset_types=context.get("asset_types") or [],
        persons=context.get("persons") or [],
        descriptors=descriptors_for(project, family, role),
        departments=context.get("departments") or [],
    )


# ---------------------------------------------------------------------------
# Sorting
# ---------------------------------------------------------------------------


def sort_options(family, columns):
    """The column keys the list can sort on."""
    keys = ["name", "description"]
    if family == "shot":
        keys += ["frames", "in", "out"]
    keys += [f"tt-{column['id']}" for column in columns]
    return keys


def parse_sort(value, family, columns):
    """``?sort=`` as (key, descending); unknown keys sort by name."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value[1:] if descending else value
    if key not in sort_options(family, columns):
        return "name", False
    return key, descending


def _number(value):
    """Numbers first, missing values last."""
    try:
        return (0, float(value))
    except (TypeError, ValueError):
        return (1, 0.0)


def _sort_value(key, statuses):
    """A function entry → comparable value for a sort key."""
    if key == "description":
        return lambda e: (not e["description"], e["description"].lower())
    if key == "frames":
        return lambda e: _number(e.get("nb_frames"))
    if key == "in":
        return lambda e: _number(e.get("frame_in"))
    if key == "out":
        return lambda e: _number(e.get("frame_out"))
    if key.startswith("tt-"):
        type_id = key[3:]

        def status_value(entry):
            task = entry["tasks"].get(type_id)
            if task is None:
                return (2, "")
            status = statuses.get(task["task_status_id"]) or {}
            return (0, (status.get("short_name") or "").lower())

        return status_value
    return lambda e: _natural(e["name"])


def group_key(entry):
    """Entries stay grouped (asset type, sequence) whatever the sort."""
    return (_natural(entry.get("episode_name") or ""),
            _natural(entry.get("group") or ""))


def sort_entries(entries, key, descending, statuses):
    """Entries sorted within their groups; groups in natural order."""
    if key == "name" and not descending:
        return list(entries)  # the cache keeps the natural order
    ordered = sorted(entries, key=lambda e: _natural(e["name"]))
    ordered.sort(key=_sort_value(key, statuses), reverse=descending)
    ordered.sort(key=group_key)
    return ordered


def select(snapshot, query_text, compiled, sort_key, descending, statuses):
    """Matched entries in display order, memoised on the snapshot."""

    def build():
        matched = compiled.apply(snapshot.entries)
        return sort_entries(matched, sort_key, descending, statuses)

    return snapshot.view((query_text, sort_key, descending), build)


def compile_search(text, context, project, family, columns, role):
    """The compiled filter of ``?search=``."""
    library = library_for(context, project, family, columns, role)
    return parse(text).compile(library, family)


def info_columns(snapshot, family):
    """Which information columns the list shows.

    Shots always show their frame count and range (as Kitsu does);
    sequences show a range only when one of them has one. Decided on the
    whole list, not the matched rows, so that columns do not come and go
    while typing a filter.
    """

    def build():
        return {
            "description": True,
            "frames": family == "shot",
            "range": family == "shot" or (
                family == "sequence" and any(
                    e.get("frame_in") is not None
                    or e.get("frame_out") is not None
                    for e in snapshot.entries
                )
            ),
        }

    return snapshot.view(("info-columns", family), build)


def column_count(info, columns):
    """How many cells a row has (for headings spanning the row)."""
    return (2 + info["description"] + info["frames"] + 2 * info["range"]
            + len(columns))


# ---------------------------------------------------------------------------
# Paging and rows
# ---------------------------------------------------------------------------


def page_bounds(total, page, size):
    """(page, pages, start, end) with ``page`` clamped."""
    pages = max(1, math.ceil(total / size)) if size else 1
    page = min(max(1, page), pages)
    start = (page - 1) * size
    return page, pages, start, min(total, start + size)


def initials(person):
    """Up to two initials of a person."""
    name = (person.get("full_name") or "").strip() or (
        f"{person.get('first_name') or ''} {person.get('last_name') or ''}"
    ).strip()
    parts = name.split()
    return "".join(part[0] for part in parts[:2]).upper() or "?"


def avatar_class(person_id):
    """A stable colour class for a person's initials."""
    digest = hashlib.md5(person_id.encode(), usedforsecurity=False)
    return f"av-{digest.digest()[0] % AVATAR_COLOURS}"


def group_label(entry, family, all_episodes):
    """The heading of an entry's group."""
    if family == "shot":
        if all_episodes and entry.get("episode_name"):
            return f"{entry['episode_name']} / {entry['group']}"
        return entry.get("group") or ""
    if family == "asset":
        return entry.get("group") or ""
    if family == "sequence" and all_episodes:
        return entry.get("episode_name") or ""
    return ""


class RowBuilder:
    """Turns entries into what the row template shows."""

    def __init__(self, family, columns, statuses, persons, list_path,
                 params, all_episodes=False):
        self.family = family
        self.columns = columns
        self.statuses = statuses
        self.persons = persons
        self.list_path = list_path
        self.params = {k: v for k, v in params.items() if v}
        self.all_episodes = all_episodes
        self._people = {}

    def cell_url(self, task_id):
        """The list URL with the task selected (search and page kept)."""
        return self.list_path + "?" + urlencode({**self.params,
                                                 "task": task_id})

    def person(self, person_id):
        """Initials, name and colour class of an assignee."""
        if person_id not in self._people:
            person = self.persons.get(person_id) or {"id": person_id}
            self._people[person_id] = {
                "initials": initials(person),
                "name": person.get("full_name") or "",
                "colour": avatar_class(person_id),
            }
        return self._people[person_id]

    def row(self, entry, heading=None):
        """One row: the entry, its heading (if it starts a group), cells."""
        cells = []
        for column in self.columns:
            task = entry["tasks"].get(column["id"])
            if task is None:
                cells.append(None)
                continue
            status = self.statuses.get(task["task_status_id"]) or {}
            cells.append({
                "id": task["id"],
                "status": status.get("short_name") or "?",
                "status_name": status.get("name") or "",
                "status_id": task["task_status_id"],
                "priority": task.get("priority") or 0,
                "assignees": [self.person(p) for p in task["assignees"]],
                "url": self.cell_url(task["id"]),
            })
        return {"entry": entry, "heading": heading, "cells": cells}

    def rows(self, ordered, start, end, first_heading=True):
        """Rows ``start:end`` of the ordered entries, with headings."""
        result = []
        previous = ordered[start - 1] if start > 0 else None
        for index in range(start, end):
            entry = ordered[index]
            label = group_label(entry, self.family, self.all_episodes)
            heading = None
            if label and (
                previous is None
                or (index == start and first_heading)
                or group_label(previous, self.family, self.all_episodes)
                != label
            ):
                heading = label
            result.append(self.row(entry, heading))
            previous = entry
        return result
