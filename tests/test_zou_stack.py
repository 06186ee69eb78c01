"""The local Zou stack command and its seed (issue 2).

Checks the seeded data through Zou's API, the way kitsu-web will see it,
and the command's idempotency on the session's stack.
"""

import json
import time
from collections import Counter

import pytest

from tests.fixtures.zou_stack import run_stack_command

ROLES = {
    "admin": "admin",
    "manager": "manager",
    "supervisor": "supervisor",
    "artist1": "user",
    "artist2": "user",
    "client": "client",
    "vendor": "vendor",
}


def data(zou_stack, path, who="admin", **params):
    """GET a Zou path as who and return its JSON (asserting 200)."""
    response = zou_stack.get(path, who, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def project_of(zou_stack, key):
    """The seeded production key as Zou serves it (with relations)."""
    project_id = zou_stack.projects[key]["id"]
    return data(zou_stack, f"/data/projects/{project_id}")


def project_tasks(zou_stack, key):
    """All tasks of a seeded production."""
    project_id = zou_stack.projects[key]["id"]
    return data(zou_stack, f"/data/projects/{project_id}/tasks")


@pytest.mark.parametrize("who", sorted(ROLES))
def test_every_seeded_person_logs_in_with_their_role(zou_stack, who):
    """Each seeded login works and has the announced role."""
    user = zou_stack.users[who]
    assert user["role"] == ROLES[who]
    me = data(zou_stack, "/auth/authenticated", who)["user"]
    assert me["id"] == user["id"]
    assert me["role"] == ROLES[who]
    assert me["email"] == user["email"].lower()
    assert user["email"].endswith("@example.com")


def test_short_film_content(zou_stack):
    """Short film: 10 assets over several types, SQ010/SQ020 x 10 shots."""
    project = project_of(zou_stack, "short")
    assert project["production_type"] == "short"
    assert project["is_set_preview_automated"] is True

    assets = data(zou_stack, f"/data/projects/{project['id']}/assets")
    assert len(assets) == 10
    assert len({asset["entity_type_id"] for asset in assets}) >= 3

    sequences = data(zou_stack, f"/data/projects/{project['id']}/sequences")
    assert sorted(s["name"] for s in sequences) == ["SQ010", "SQ020"]
    shots = data(zou_stack, f"/data/projects/{project['id']}/shots")
    expected = [f"SH{n:03d}" for n in range(10, 101, 10)]
    for sequence in sequences:
        names = sorted(s["name"] for s in shots
                       if s["parent_id"] == sequence["id"])
        assert names == expected


def test_tv_show_content(zou_stack):
    """TV show: two episodes, each with a sequence and shots, and assets."""
    seeded = zou_stack.projects["tv"]
    project = data(zou_stack, f"/data/projects/{seeded['id']}")
    assert project["production_type"] == "tvshow"
    episodes = data(zou_stack, f"/data/projects/{seeded['id']}/episodes")
    assert sorted(e["id"] for e in episodes) == sorted(
        e["id"] for e in seeded["episodes"]
    )
    assert len(episodes) == 2
    sequences = data(zou_stack, f"/data/projects/{seeded['id']}/sequences")
    shots = data(zou_stack, f"/data/projects/{seeded['id']}/shots")
    for episode in episodes:
        episode_sequences = [s["id"] for s in sequences
                             if s["parent_id"] == episode["id"]]
        assert episode_sequences
        assert len([s for s in shots
                    if s["parent_id"] in episode_sequences]) >= 3
    assert data(zou_stack, f"/data/projects/{seeded['id']}/assets")


def test_teams(zou_stack):
    """Client and vendor work on the short; artist2 is not in 'other'."""
    users = zou_stack.users
    short = project_of(zou_stack, "short")
    for who in ("manager", "supervisor", "artist1", "artist2", "client",
                "vendor"):
        assert users[who]["id"] in short["team"], who
    other = project_of(zou_stack, "other")
    assert users["artist2"]["id"] not in other["team"]
    for who in ("manager", "supervisor", "artist1", "client", "vendor"):
        assert users[who]["id"] in other["team"], who

    open_for_artist2 = data(zou_stack, "/data/projects/open", "artist2")
    assert zou_stack.projects["other"]["id"] not in {
        p["id"] for p in open_for_artist2
    }
    denied = zou_stack.get(
        f"/data/projects/{zou_stack.projects['other']['id']}/assets",
        "artist2",
    )
    assert denied.status_code == 403


@pytest.mark.parametrize("key", ["short", "tv", "other"])
def test_settings_and_tasks_per_production(zou_stack, key):
    """Linked task types and statuses; one task per entity and type."""
    project = project_of(zou_stack, key)
    linked_types = set(project["task_types"])
    assert set(zou_stack.task_types.values()) == linked_types
    assert set(zou_stack.task_statuses.values()) <= set(
        project["task_statuses"]
    )
    assert project["asset_types"]

    tasks = project_tasks(zou_stack, key)
    assets = data(zou_stack, f"/data/projects/{project['id']}/assets")
    shots = data(zou_stack, f"/data/projects/{project['id']}/shots")
    assert len(tasks) == 3 * len(assets) + 3 * len(shots)
    assert {t["task_type_id"] for t in tasks} == linked_types
    for task in tasks:
        assert 1 <= len(task["assignees"]) <= 2, task["id"]
    by_status = Counter(t["task_status_id"] for t in tasks)
    # Most tasks are still on Todo, the non-concept default.
    assert by_status[zou_stack.task_statuses["todo"]] > len(tasks) // 2


def test_each_artist_has_at_least_ten_tasks(zou_stack):
    """Both artists see at least ten tasks of their own."""
    for who in ("artist1", "artist2"):
        mine = data(zou_stack, "/data/user/tasks", who)
        assert len(mine) >= 10, who
        assert all(
            zou_stack.users[who]["id"] in task["assignees"] for task in mine
        )
    artist2_projects = {
        t["project_id"] for t in data(zou_stack, "/data/user/tasks", "artist2")
    }
    assert zou_stack.projects["other"]["id"] not in artist2_projects


def test_some_status_is_forbidden_to_artists(zou_stack):
    """A status artists may not set exists and Zou enforces it."""
    forbidden = zou_stack.artist_forbidden_statuses
    assert forbidden
    statuses = {
        s["short_name"]: s for s in data(zou_stack, "/data/task-status")
    }
    for short_name in forbidden:
        assert statuses[short_name]["is_artist_allowed"] is False
    for short_name in zou_stack.seed["artist_allowed_statuses"]:
        assert statuses[short_name]["is_artist_allowed"] is True

    artist_id = zou_stack.users["artist1"]["id"]
    task = next(
        t for t in project_tasks(zou_stack, "short")
        if artist_id in t["assignees"]
    )
    response = zou_stack.post(
        f"/actions/tasks/{task['id']}/comment",
        "artist1",
        json={
            "task_status_id": zou_stack.task_statuses[forbidden[0]],
            "comment": "trying to approve my own work",
        },
    )
    assert response.status_code == 403


def test_comments_with_status_changes_exist(zou_stack):
    """Seeded comments moved some tasks to wip, wfa, retake and done."""
    comments = data(zou_stack, "/data/comments")
    assert len(comments) >= 5
    statuses = zou_stack.task_statuses
    used = {c["task_status_id"] for c in comments}
    for short_name in ("wip", "wfa", "retake"):
        assert statuses[short_name] in used, short_name
    authors = {c["person_id"] for c in comments}
    assert zou_stack.users["supervisor"]["id"] in authors
    short = Counter(
        t["task_status_id"] for t in project_tasks(zou_stack, "short")
    )
    assert short[statuses["retake"]] >= 1
    assert short[statuses["wip"]] >= 1


def test_seed_json_shape(zou_stack):
    """seed.json holds users, productions and reference ids."""
    seed = zou_stack.seed
    assert set(seed["users"]) == set(ROLES)
    for user in seed["users"].values():
        assert set(user) >= {"id", "email", "password", "role", "full_name"}
        assert len(user["password"]) >= 8
    assert set(seed["projects"]) == {"short", "tv", "other"}
    assert len(seed["projects"]["tv"]["episodes"]) == 2
    assert {"todo", "wip", "wfa", "retake", "done"} <= set(
        seed["task_statuses"]
    )
    assert set(seed["task_types"]) == {
        "Modeling", "Shading", "Rigging", "Layout", "Animation",
        "Compositing",
    }


def test_status_command_reports_a_running_stack(zou_stack):
    """zou-stack status exits 0 and prints the URLs."""
    result = run_stack_command("status", "--name", zou_stack.name, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert zou_stack.api_url in result.stdout
    assert zou_stack.event_url in result.stdout


def test_up_and_seed_are_idempotent_and_fast(zou_stack):
    """Re-running up and seed keeps every id and takes seconds."""
    started = time.monotonic()
    up = run_stack_command("up", "--name", zou_stack.name, timeout=120)
    assert up.returncode == 0, up.stdout + up.stderr
    assert "already running" in up.stdout
    seed = run_stack_command("seed", "--name", zou_stack.name, timeout=120)
    assert seed.returncode == 0, seed.stdout + seed.stderr
    assert time.monotonic() - started < 15

    with open(f"{zou_stack.dir}/seed.json") as handle:
        again = json.load(handle)
    assert again["projects"] == zou_stack.projects
    assert again["users"] == zou_stack.users
    for who in ("artist1", "client"):
        assert zou_stack.users[who]["password"] in seed.stdout
