"""Catching up after a gap without delivering an event twice.

Zou publishes an event before it writes it to its log, and the live
payload carries neither the log id nor a time. The logged row keeps the
very same payload, so an event is recognised by its fingerprint: its name
plus its payload. Identical fingerprints do happen (two ``task:update`` of
one task), so the log counts them rather than remembering a set.
"""

import json
import time
from collections import Counter, deque
from datetime import datetime, timedelta, timezone

MAX_REMEMBERED = 5000  # Fingerprints and ids kept, oldest dropped first.


def fingerprint(name, data):
    """The identity of an event shared by its live and logged copies."""
    payload = {k: v for k, v in (data or {}).items() if k != "id"}
    return name + " " + json.dumps(payload, sort_keys=True, default=str)


def utc_now():
    """Now, as the naive UTC datetime Zou's event log uses."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def replay_start(gap_started, margin):
    """The ``after`` bound of a replay: the gap's start minus a margin."""
    return gap_started - timedelta(seconds=margin)


def in_order(rows):
    """Logged rows (pages of newest first) sorted oldest first.

    Zou's dates have whole seconds; within one second its pages are still
    ordered by the full timestamp, so reversing before a stable sort keeps
    that order.
    """
    rows = list(reversed(rows))
    rows.sort(key=lambda row: row.get("created_at") or "")
    return rows


class DeliveryLog:
    """What was delivered lately, to drop the copies a replay brings back.

    A live event is remembered as "seen live"; a replayed row is dropped
    when a live copy was seen (each live copy excuses one row), or when
    its id was already replayed. While a replay's rows are delivered, the
    live events that arrived meanwhile are checked against those rows in
    turn; once they are all through, :meth:`end_replay` forgets the rows so
    that a later, genuinely new event with the same fingerprint is not
    mistaken for one of them.
    """

    def __init__(self, limit=MAX_REMEMBERED, clock=time.monotonic):
        self.limit = limit
        self.clock = clock
        self._live = Counter()
        self._live_order = deque()
        self._replayed = Counter()
        self._ids = set()
        self._id_order = deque()

    def offer_live(self, name, data):
        """True when a live event must be delivered (not yet replayed)."""
        key = fingerprint(name, data)
        if self._replayed[key] > 0:
            self._replayed[key] -= 1
            return False
        self._live[key] += 1
        self._live_order.append((self.clock(), key))
        if len(self._live_order) > self.limit:
            self._drop_oldest_live()
        return True

    def offer_logged(self, row):
        """True when a logged row must be delivered (never seen)."""
        event_id = row.get("id")
        if event_id in self._ids:
            return False
        self._remember_id(event_id)
        key = fingerprint(row.get("name", ""), row.get("data"))
        if self._live[key] > 0:
            self._live[key] -= 1
            return False
        self._replayed[key] += 1
        return True

    def end_replay(self):
        """Forget replayed fingerprints once held live events are through."""
        self._replayed.clear()

    def forget_live_before(self, moment):
        """Drop live fingerprints seen before ``moment`` (clock time).

        Events older than a replay's window are not in its rows and must
        not excuse a row that looks the same.
        """
        while self._live_order and self._live_order[0][0] < moment:
            self._drop_oldest_live()

    def _drop_oldest_live(self):
        _, key = self._live_order.popleft()
        if self._live[key] > 0:
            self._live[key] -= 1
        if self._live[key] <= 0:
            del self._live[key]

    def _remember_id(self, event_id):
        self._ids.add(event_id)
        self._id_order.append(event_id)
        if len(self._id_order) > self.limit:
            self._ids.discard(self._id_order.popleft())
