"""Replay bookkeeping and routing rules of the live-update bridge."""

from datetime import datetime

from kitsu_web.realtime import replay, rooms


def row(event_id, name, data, created_at="2026-01-01T10:00:00"):
    """A row as Zou's /data/events/last returns it."""
    return {"id": event_id, "name": name, "data": data,
            "created_at": created_at}


TASK = {"task_id": "t1", "project_id": "p1"}


def test_live_copy_excuses_its_logged_row():
    """A row whose event was delivered live is not delivered again."""
    log = replay.DeliveryLog()
    assert log.offer_live("task:update", dict(TASK))
    assert not log.offer_logged(row("e1", "task:update", dict(TASK)))


def test_identical_events_are_counted_not_merged():
    """Two identical live events excuse two rows; a third row is new."""
    log = replay.DeliveryLog()
    log.offer_live("task:update", dict(TASK))
    log.offer_live("task:update", dict(TASK))
    assert not log.offer_logged(row("e1", "task:update", TASK))
    assert not log.offer_logged(row("e2", "task:update", TASK))
    assert log.offer_logged(row("e3", "task:update", TASK))


def test_same_row_is_never_replayed_twice():
    """A row delivered by one replay is dropped by the next."""
    log = replay.DeliveryLog()
    assert log.offer_logged(row("e1", "task:update", TASK))
    log.end_replay()
    assert not log.offer_logged(row("e1", "task:update", TASK))


def test_held_live_event_after_its_replayed_row_is_dropped():
    """While a replay runs, a live event already replayed is dropped; once
    the replay is over the same fingerprint counts as new again."""
    log = replay.DeliveryLog()
    assert log.offer_logged(row("e1", "task:update", TASK))
    assert not log.offer_live("task:update", dict(TASK))
    log.end_replay()
    assert log.offer_live("task:update", dict(TASK))


def test_live_events_before_the_window_do_not_excuse_rows():
    """A live event older than the replay window cannot hide a new row."""
    now = [100.0]
    log = replay.DeliveryLog(clock=lambda: now[0])
    log.offer_live("task:update", dict(TASK))
    now[0] = 200.0
    log.forget_live_before(150.0)
    assert log.offer_logged(row("e1", "task:update", TASK))


def test_memory_is_bounded():
    """Old fingerprints and ids are forgotten past the limit."""
    log = replay.DeliveryLog(limit=10)
    for index in range(50):
        log.offer_live("task:update", {"task_id": str(index)})
        log.offer_logged(row(f"x{index}", "asset:new", {"i": index}))
    assert len(log._live_order) == 10
    assert len(log._ids) == 10


def test_fingerprint_ignores_key_order_and_id():
    """Live payloads and logged data match whatever their key order."""
    a = replay.fingerprint("comment:new", {"a": 1, "b": 2})
    b = replay.fingerprint("comment:new", {"b": 2, "a": 1, "id": "x"})
    assert a == b


def test_rows_are_ordered_oldest_first_keeping_page_order():
    """Pages come newest first; within a second their order is kept."""
    rows = [
        row("c", "x:c", {}, "2026-01-01T10:00:02"),
        row("b2", "x:b2", {}, "2026-01-01T10:00:01"),
        row("b1", "x:b1", {}, "2026-01-01T10:00:01"),
        row("a", "x:a", {}, "2026-01-01T10:00:00"),
    ]
    assert [r["id"] for r in replay.in_order(rows)] == ["a", "b1", "b2", "c"]


def test_replay_starts_a_margin_before_the_gap():
    """The after bound is the gap start minus the margin."""
    start = replay.replay_start(datetime(2026, 1, 1, 10, 0, 30), 30)
    assert start == datetime(2026, 1, 1, 10, 0, 0)


def test_connection_rooms_by_role():
    """Everyone has a person room; staff and admins rooms by role."""
    assert rooms.connection_rooms({"id": "c", "role": "client"}) == [
        "person:c"]
    assert rooms.connection_rooms({"id": "u", "role": "user"}) == [
        "person:u", "staff"]
    assert rooms.connection_rooms({"id": "a", "role": "admin"}) == [
        "person:a", "staff", "admins"]


def test_clients_see_only_client_comments():
    """Comment events reach clients only when the comment is for them."""
    assert not rooms.may_see("client", "comment:new", {"for_client": False})
    assert rooms.may_see("client", "comment:new", {"for_client": True})
    assert rooms.may_see("client", "task:update", {})
    assert rooms.may_see("user", "comment:new", {"for_client": False})


class FakeAudience(rooms.Audience):
    """An audience with a fixed team, no Zou."""

    def __init__(self, team):
        super().__init__(caller=None)
        self.fixed = team

    def team(self, project_id):
        return self.fixed if project_id == "p1" else {}


def test_routing_rules():
    """Notifications to their person, production events to admins and
    members who may see them, the rest to staff."""
    audience = FakeAudience({"u": "user", "c": "client"})
    assert audience.rooms_for("notification:new", {"person_id": "u"}) == [
        "person:u"]
    assert audience.rooms_for("notification:new", {}) == []
    assert audience.rooms_for(
        "comment:new", {"project_id": "p1", "for_client": False}
    ) == ["admins", "person:u"]
    assert audience.rooms_for("task:update", {"project_id": "p1"}) == [
        "admins", "person:u", "person:c"]
    assert audience.rooms_for("person:update", {"person_id": "u"}) == [
        "staff"]
    assert audience.rooms_for("main:test", {}) is rooms.EVERYONE


class TaskAudience(FakeAudience):
    """A fixed team, and tasks whose production is known (no Zou)."""

    def __init__(self, team, tasks):
        super().__init__(team)
        self.tasks = tasks

    def task_project(self, task_id):
        return self.tasks.get(task_id)


def test_production_events_without_a_production_are_not_broadcast():
    """Zou sends some production events without ``project_id`` (its
    generic comment route, deletions): they reach the team of the task's
    production, or admins only, never every studio connection."""
    audience = TaskAudience({"u": "user", "c": "client"}, {"t1": "p1"})
    comment = {"comment_id": "k", "task_id": "t1", "for_client": False}
    assert audience.rooms_for("comment:new", comment) == [
        "admins", "person:u"]
    assert audience.rooms_for("comment:new", {**comment, "for_client": True}
                              ) == ["admins", "person:u", "person:c"]
    assert audience.rooms_for("comment:new", {**comment, "task_id": "t9"}
                              ) == ["admins"]
    assert audience.rooms_for("comment:delete", {"comment_id": "k"}) == [
        "admins"]
    assert audience.rooms_for("preview-file:new",
                              {"preview_file_id": "f"}) == ["admins"]
    for name in ("person:update", "department:new", "task-status:new",
                 "task-type:update", "asset-type:new",
                 "organisation:update"):
        assert audience.rooms_for(name, {}) == ["staff"], name
