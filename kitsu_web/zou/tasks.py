"""Tasks: one task with its context, the user's task lists, assignments."""


def get_task_full(caller, task_id):
    """A task with its entity, type, status, project and assignees."""
    return caller.get(f"/data/tasks/{task_id}/full")


def get_task(caller, task_id):
    """One task, raw."""
    return caller.get(f"/data/tasks/{task_id}")


def get_user_tasks(caller):
    """The user's unfinished tasks in open productions (My Tasks)."""
    return caller.get("/data/user/tasks")


def get_user_done_tasks(caller):
    """The user's finished tasks in open productions."""
    return caller.get("/data/user/done-tasks")


def assign_tasks(caller, person_id, task_ids):
    """Assign tasks to a person; Zou returns the tasks it assigned."""
    return caller.put(
        f"/actions/persons/{person_id}/assign", json={"task_ids": task_ids}
    ) or []


def unassign_tasks(caller, task_ids, person_id=None):
    """Remove one person (or everyone) from tasks; returns task ids done."""
    body = {"task_ids": task_ids}
    if person_id:
        body["person_id"] = person_id
    return caller.put("/actions/tasks/clear-assignation", json=body) or []


def set_tasks_priority(caller, task_ids, priority):
    """Set the priority (0 to 3) of tasks; returns the tasks changed."""
    return caller.put(
        "/actions/tasks/set-priority",
        json={"task_ids": task_ids, "priority": int(priority)},
    ) or []


def get_entity(caller, entity_id):
    """An entity (asset, shot…), raw."""
    return caller.get(f"/data/entities/{entity_id}")
