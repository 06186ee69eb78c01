"""Assets, shots, sequences and episodes, and their tasks, in Zou.

The "with tasks" lists are Zou's biggest answers: for one production they
carry an ``ETag``, and ``get_with_tasks`` sends the one it was given back
in ``If-None-Match`` so that an unchanged list costs a 304.
"""

from .client import raise_for_answer
from .errors import ZouUnavailable

FAMILY_PATHS = {
    "asset": "/data/assets/with-tasks",
    "shot": "/data/shots/with-tasks",
    "sequence": "/data/sequences/with-tasks",
    "episode": "/data/episodes/with-tasks",
}
COMPACT_FAMILIES = {"asset": "asset_fields", "shot": "shot_fields"}

NOT_MODIFIED = object()


def get_with_tasks(caller, family, project_id, episode_id=None, etag=None):
    """Entities of a family with their tasks, and Zou's ETag.

    Returns ``(rows, etag)``, or ``(NOT_MODIFIED, etag)`` when ``etag``
    is still current. ``episode_id`` may be an id, ``"all"`` or
    ``"main"`` (assets outside any episode).
    """
    params = {"project_id": project_id}
    if episode_id and episode_id != "all":
        if family == "asset" or episode_id != "main":
            params["episode_id"] = episode_id
    if family in COMPACT_FAMILIES:
        params["compact"] = "true"
    headers = {"If-None-Match": etag} if etag else {}
    response = caller.send(
        "GET", FAMILY_PATHS[family], params=params, headers=headers
    )
    if response.status_code == 304:
        return NOT_MODIFIED, response.headers.get("ETag") or etag
    raise_for_answer(response)
    try:
        body = response.json()
    except ValueError as exc:
        raise ZouUnavailable("Zou sent an unreadable list.") from exc
    return expand_compact(body, family), response.headers.get("ETag")


def expand_compact(body, family):
    """Zou's compact with-tasks answer as a list of dicts."""
    if not isinstance(body, dict) or not body.get("compact"):
        return body if isinstance(body, list) else []
    fields = body.get(COMPACT_FAMILIES.get(family, ""), [])
    task_fields = body.get("task_fields", [])
    rows = []
    for values in body.get("rows", []):
        row = dict(zip(fields, values))
        row["tasks"] = [
            dict(zip(task_fields, task)) for task in row.get("tasks") or []
        ]
        rows.append(row)
    return rows


def get_episodes(caller, project_id):
    """The production's episodes (raw)."""
    return caller.get(f"/data/projects/{project_id}/episodes")


def get_sequences(caller, project_id):
    """The production's sequences (raw; ``parent_id`` is the episode)."""
    return caller.get(f"/data/projects/{project_id}/sequences")


def get_entity(caller, entity_id):
    """One entity, raw."""
    return caller.get(f"/data/entities/{entity_id}")


def create_asset(caller, project_id, asset_type_id, name, description=""):
    """A new asset of a type."""
    return caller.post(
        f"/data/projects/{project_id}/asset-types/{asset_type_id}/assets/new",
        json={"name": name, "description": description or ""},
    )


def create_episode(caller, project_id, name, description=""):
    """A new episode."""
    return caller.post(
        f"/data/projects/{project_id}/episodes",
        json={"name": name, "description": description or ""},
    )


def create_sequence(caller, project_id, name, episode_id=None,
                    description=""):
    """A new sequence, in an episode for TV shows."""
    body = {"name": name, "description": description or ""}
    if episode_id:
        body["episode_id"] = episode_id
    return caller.post(f"/data/projects/{project_id}/sequences", json=body)


def create_shot(caller, project_id, sequence_id, name, nb_frames=None,
                description=""):
    """A new shot in a sequence."""
    body = {"name": name, "sequence_id": sequence_id,
            "description": description or ""}
    if nb_frames is not None:
        body["nb_frames"] = nb_frames
    return caller.post(f"/data/projects/{project_id}/shots", json=body)


def update_entity(caller, entity_id, values):
    """Change an entity's name, description, ``canceled`` or data."""
    return caller.put(f"/data/entities/{entity_id}", json=values)


DELETE_PATHS = {
    "asset": "/data/assets/{}",
    "shot": "/data/shots/{}",
    "sequence": "/data/sequences/{}",
    "episode": "/data/episodes/{}",
}


def delete_entity(caller, family, entity_id, force=False):
    """Delete an entity; with tasks and without ``force`` Zou cancels it."""
    path = DELETE_PATHS[family].format(entity_id)
    if force:
        path += "?force=true"
    return caller.delete(path)


CREATE_TASKS_PATHS = {
    "asset": "assets/create-tasks",
    "shot": "shots/create-tasks",
    "sequence": "create-tasks/sequence",
    "episode": "create-tasks/episode",
}


def create_tasks(caller, family, project_id, task_type_id, entity_ids):
    """Tasks of a type for the given entities (Zou skips existing ones).

    An empty list would mean "every entity" to Zou: it creates nothing.
    """
    entity_ids = list(entity_ids)
    if not entity_ids:
        return []
    path = (
        f"/actions/projects/{project_id}/task-types/{task_type_id}/"
        f"{CREATE_TASKS_PATHS[family]}"
    )
    return caller.post(path, json=entity_ids)
