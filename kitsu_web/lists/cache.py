"""The production lists, fetched from Zou once and shared.

Zou's "with tasks" lists are not paged, so kitsu-web keeps each list in
memory, one copy per production, episode, family and *role class*: every
studio role sees the same rows, clients see blanked tasks, and a vendor
sees only their own assignments (their class is per person). Filtering,
sorting and paging then run on that copy.

Every read revalidates the copy with Zou's ``ETag`` (``If-None-Match``;
an unchanged list costs a 304), so a change made anywhere shows on the
next load. Zou's ETag is per person, so the copy keeps the last ETag of
each reader. Requests that wait while another one refreshes the same copy
use that refresh. ``invalidate(project_id)``, called on Zou's events,
drops a production's copies at once.
"""

import logging
import re
import threading
import time
from collections import OrderedDict

from ..zou import entities as zou_entities

log = logging.getLogger(__name__)

MAX_LISTS = 48  # lists kept in memory per process
MAX_VIEWS = 16  # filtered and sorted orders kept per list

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class Snapshot:
    """One list as fetched from Zou: entries in their natural order."""

    def __init__(self, key, entries, generation):
        self.key = key
        self.entries = entries
        self.by_id = {entry["id"]: entry for entry in entries}
        self.etags = {}
        self.generation = generation
        self.checked_at = time.monotonic()
        self.views = OrderedDict()
        self.lock = threading.Lock()

    def view(self, view_key, build):
        """A memoised ``build()`` result (filtered and sorted entries)."""
        with self.lock:
            if view_key in self.views:
                self.views.move_to_end(view_key)
                return self.views[view_key]
        result = build()
        with self.lock:
            self.views[view_key] = result
            while len(self.views) > MAX_VIEWS:
                self.views.popitem(last=False)
        return result


class ListCache:
    """Snapshots by (family, production, episode, role class)."""

    def __init__(self, max_lists=MAX_LISTS):
        self.max_lists = max_lists
        self.snapshots = OrderedDict()
        self.generations = {}
        self.guard = threading.Lock()
        self.locks = {}

    def _lock_for(self, key):
        with self.guard:
            return self.locks.setdefault(key, threading.Lock())

    def get(self, caller, family, project_id, episode_id, role_class,
            user_id):
        """The current list, fetched or revalidated with Zou."""
        key = (family, project_id, episode_id or "", role_class)
        arrived = time.monotonic()
        with self._lock_for(key):
            with self.guard:
                snapshot = self.snapshots.get(key)
                generation = self.generations.get(project_id, 0)
            if (
                snapshot is not None
                and snapshot.checked_at >= arrived
                and snapshot.generation == generation
            ):
                return snapshot  # refreshed while this request waited
            etag = snapshot.etags.get(user_id) if snapshot else None
            started = time.monotonic()
            rows, new_etag = zou_entities.get_with_tasks(
                caller, family, project_id, episode_id, etag=etag
            )
            if rows is zou_entities.NOT_MODIFIED:
                snapshot.checked_at = started
                snapshot.generation = generation
                log.debug("list %s unchanged (304)", key)
            else:
                names = None
                if family == "sequence" and any(
                    _none(row.get("episode_id")) for row in rows
                ):
                    names = {
                        e["id"]: e.get("name") or ""
                        for e in zou_entities.get_episodes(caller, project_id)
                    }
                entries = normalize_all(rows, family, episode_id, names)
                old = snapshot
                snapshot = Snapshot(key, entries, generation)
                snapshot.checked_at = started
                if old is not None:
                    snapshot.etags.update(old.etags)
                log.debug("list %s fetched: %d rows", key, len(entries))
            if new_etag:
                snapshot.etags[user_id] = new_etag
            with self.guard:
                if self.generations.get(project_id, 0) == generation:
                    self.snapshots[key] = snapshot
                    self.snapshots.move_to_end(key)
                    while len(self.snapshots) > self.max_lists:
                        evicted, _ = self.snapshots.popitem(last=False)
                        self._forget_lock(evicted)
            return snapshot

    def _forget_lock(self, key):
        """Drop the lock of a list no longer kept (unless in use)."""
        lock = self.locks.get(key)
        if lock is not None and not lock.locked():
            del self.locks[key]

    def invalidate(self, project_id=None):
        """Drop the lists of a production (or all lists)."""
        with self.guard:
            for key in list(self.snapshots):
                if project_id is None or key[1] == project_id:
                    del self.snapshots[key]
                    self._forget_lock(key)
            if project_id is None:
                for known in list(self.generations):
                    self.generations[known] += 1
            else:
                self.generations[project_id] = (
                    self.generations.get(project_id, 0) + 1
                )


_cache = ListCache()


def get_list(caller, family, project_id, episode_id, role_class, user_id):
    """The process-wide cache's current list (see ``ListCache.get``)."""
    return _cache.get(caller, family, project_id, episode_id, role_class,
                      user_id)


def invalidate(project_id=None):
    """Forget the cached lists of ``project_id`` (every list if None).

    Called by the live-update bridge when Zou says something changed.
    """
    _cache.invalidate(project_id)


# ---------------------------------------------------------------------------
# Zou rows → entries (the shape filters.py documents)
# ---------------------------------------------------------------------------


def _none(value):
    """Zou writes missing ids as "", None or "None"."""
    return None if value in (None, "", "None") else value


def _words(*names):
    """Lowercased searchable names: whole, and split into parts."""
    words = []
    for name in names:
        if not name:
            continue
        words.append(name.lower())
        spaced = _CAMEL.sub(" ", name).replace("_", " ").replace("-", " ")
        words.extend(part.lower() for part in spaced.split())
    return tuple(dict.fromkeys(words))


def _tasks(row):
    """The entity's tasks by task type (the first one of each type)."""
    tasks = {}
    for task in row.get("tasks") or ():
        type_id = task.get("task_type_id")
        if type_id and type_id not in tasks:
            tasks[type_id] = {
                "id": task.get("id"),
                "task_status_id": task.get("task_status_id"),
                "assignees": list(task.get("assignees") or ()),
                "priority": task.get("priority") or 0,
                "nb_assets_ready": task.get("nb_assets_ready") or 0,
            }
    return tasks


def normalize(row, family, episode_names=None):
    """One Zou row as a list entry."""
    entry = {
        "id": row["id"],
        "name": row.get("name") or "",
        "description": row.get("description") or "",
        "preview_file_id": _none(row.get("preview_file_id")),
        "canceled": bool(row.get("canceled")),
        "data": row.get("data") or {},
        "tasks": _tasks(row),
        "episode_id": _none(row.get("episode_id")),
        "episode_name": row.get("episode_name") or "",
    }
    if not entry["episode_name"] and entry["episode_id"] and episode_names:
        entry["episode_name"] = episode_names.get(entry["episode_id"], "")
    if family == "asset":
        entry.update(
            asset_type_id=row.get("asset_type_id"),
            asset_type_name=row.get("asset_type_name") or "",
            ready_for=_none(row.get("ready_for")),
            group=row.get("asset_type_name") or "",
            words=_words(entry["name"], row.get("asset_type_name")),
        )
    elif family == "shot":
        entry.update(
            sequence_id=row.get("sequence_id") or row.get("parent_id"),
            sequence_name=row.get("sequence_name") or "",
            nb_frames=row.get("nb_frames"),
            frame_in=row.get("frame_in"),
            frame_out=row.get("frame_out"),
            fps=row.get("fps"),
            nb_entities_out=row.get("nb_entities_out") or 0,
            words=_words(entry["name"], row.get("sequence_name"),
                         entry["episode_name"]),
        )
        entry["group"] = entry["sequence_name"]
    else:
        entry.update(
            frame_in=row.get("frame_in"),
            frame_out=row.get("frame_out"),
            words=_words(entry["name"], entry["episode_name"]),
            group="",
        )
    return entry


def normalize_all(rows, family, episode_id=None, episode_names=None):
    """Every Zou row as an entry, in the list's natural order."""
    entries = [normalize(row, family, episode_names) for row in rows or ()]
    if episode_id == "main" and family != "asset":
        entries = [e for e in entries if not e["episode_id"]]
    entries.sort(key=natural_key)
    return entries


def natural_key(entry):
    """Group, then name, comparing numbers inside names as numbers."""
    return (
        _natural(entry.get("episode_name") or ""),
        _natural(entry.get("group") or ""),
        _natural(entry["name"]),
    )


_DIGITS = re.compile(r"(\d+)")


def _natural(text):
    """A sort key where "SH9" comes before "SH10"."""
    return tuple(
        (0, int(part), "") if part.isdecimal() else (1, 0, part.lower())
        for part in _DIGITS.split(text)
        if part
    )
