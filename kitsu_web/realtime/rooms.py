"""Who may see which event: room names and the routing of Zou's events.

Every connection joins the room of its person, ``staff`` unless its user
has the client role, and ``admins`` for studio managers. The bridge then
routes each event to rooms:

* ``notification:*`` goes to the person it names, and to no one else;
* an event of a production goes to ``admins`` and to the rooms of the
  production's team members, as Zou lists the team now; a member whose
  role there is client gets comment events only when the comment is for
  clients;
* an event about the studio (people, departments, libraries, settings)
  goes to ``staff``;
* a production event that Zou sends without its production (the generic
  comment route, some deletions) is routed by its task's production, read
  from Zou; when that cannot be known, it goes to ``admins`` only;
* ``main:test`` goes to every connection.

Membership is decided where the events are routed (the single bridge), not
when a connection joins, so a team change applies to connections already
open and to every kitsu-web process alike: the bridge forgets a team on
``project:update`` (Zou's signal for team and role changes) and asks Zou
again for the next event of that production.
"""

import logging
import threading
import time

from .. import zou
from ..zou import events as zou_events

log = logging.getLogger(__name__)

ADMINS = "admins"
STAFF = "staff"
EVERYONE = None  # Socket.IO's "no room": every connection of the namespace.
TEAM_TTL = 300.0  # Seconds a team is reused without a project event.
# Events about the studio rather than a production: every studio
# connection may receive them.
STUDIO_KINDS = frozenset({
    "person", "department", "asset-type", "task-type", "task-status",
    "organisation", "studio", "status-automation", "custom-action",
})


def person_room(person_id):
    """The room of one person's connections."""
    return f"person:{person_id}"


def connection_rooms(person):
    """Rooms a new connection of ``person`` (``{id, role}``) joins."""
    rooms = [person_room(person["id"])]
    if person.get("role") != "client":
        rooms.append(STAFF)
    if person.get("role") == "admin":
        rooms.append(ADMINS)
    return rooms


def may_see(role, name, data):
    """Whether a team member with ``role`` may receive this event."""
    if role == "client" and name.startswith("comment:"):
        return bool(data.get("for_client"))
    return True


class Audience:
    """Production teams read from Zou with the bot's token, cached."""

    def __init__(self, caller, ttl=TEAM_TTL):
        self.caller = caller
        self.ttl = ttl
        self._teams = {}
        self._lock = threading.Lock()

    def forget(self, project_id=None):
        """Drop one cached team, or all of them."""
        with self._lock:
            if project_id is None:
                self._teams.clear()
            else:
                self._teams.pop(project_id, None)

    def team(self, project_id):
        """``{person_id: role in the production}`` for a production."""
        with self._lock:
            cached = self._teams.get(project_id)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            people = zou_events.get_project_team(self.caller, project_id)
        except zou.NotAvailable:
            # A deleted production, or a bot without rights on it.
            log.warning("team of production %s not readable", project_id)
            people = []
        except zou.ZouError:
            if cached:
                log.warning("Zou failed; reusing the team of %s", project_id)
                return cached[1]
            log.warning("Zou failed; production %s events go to admins "
                        "only", project_id)
            return {}
        team = {
            person["id"]: person.get("project_role") or person.get("role")
            for person in people
        }
        with self._lock:
            self._teams[project_id] = (time.monotonic(), team)
        return team

    def task_project(self, task_id):
        """The production of a task, read with the bot's token, or None."""
        try:
            return zou_events.get_task_project(self.caller, task_id)
        except (zou.ZouError, KeyError, TypeError):
            log.warning("production of task %s not readable", task_id)
            return None

    def observe(self, name, data):
        """Keep teams current with the event that is being routed."""
        if name.startswith("project:"):
            self.forget(data.get("project_id"))
        elif name.startswith("person:"):
            # A role may have changed: every team is re-read.
            self.forget()

    def rooms_for(self, name, data):
        """The rooms an event goes to: a list (maybe empty) or EVERYONE."""
        if name.startswith("notification:"):
            person_id = data.get("person_id")
            return [person_room(person_id)] if person_id else []
        if name == "main:test":
            return EVERYONE
        project_id = data.get("project_id")
        if not project_id:
            if name.split(":", 1)[0] in STUDIO_KINDS:
                return [STAFF]
            task_id = data.get("task_id")
            project_id = self.task_project(task_id) if task_id else None
            if not project_id:
                return [ADMINS]
        rooms = [ADMINS]
        for person_id, role in self.team(project_id).items():
            if may_see(role, name, data):
                rooms.append(person_room(person_id))
        return rooms
