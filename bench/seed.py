"""The benchmark workload, created through Zou's bulk routes.

At scale 1: one production of 100 sequences x 50 shots (5,000 shots) with
8 shot task types (40,000 tasks), 300 assets x 4 asset task types, a
comment (with a status change) on 5% of the tasks, 10% of the shot tasks
assigned, and a 100 MB comment attachment for the streaming measures. Plus
a small "warm-up" production used to warm templates and relay events.

Fast paths used (read in Zou's source): the shot CSV import creates the
sequences, the shots and, at its end, every task of the production's shot
task types in one bulk insert per task type; the asset CSV import does the
same for assets; ``create-tasks`` fills any gap in bulk; ``comment-many``
posts comments in batches; one ``assign`` call per person. Re-running
reuses what exists: rows are only sent for what is missing.

Run alone: ``python -m bench.seed --scale 0.02``.
"""

import argparse
import csv
import io
import json
import logging
import os
import random
import secrets
import time
from concurrent.futures import ThreadPoolExecutor

from . import OUTPUT_DIR
from .multipart import MultipartFile, make_file
from .zouapi import LONG_TIMEOUT, ZouAPI, ensure_stack, stack_dir

log = logging.getLogger(__name__)

SHOT_TASK_TYPES = [
    "Storyboard", "Layout", "Animation", "Lighting", "FX", "Rendering",
    "Compositing", "Bench Cleanup",
]
ASSET_TASK_TYPES = ["Concept", "Modeling", "Shading", "Rigging"]
ASSET_TYPES = ["Character", "Environment", "FX", "Prop"]
STATUSES = ["todo", "ready", "wip", "wfa", "retake", "done"]
COMMENT_STATUSES = ["wip", "wfa", "retake", "done"]
SHOTS_PER_SEQUENCE = 50
CSV_SEQUENCES_PER_REQUEST = 10
PARALLEL_IMPORTS = 2
COMMENT_BATCH = 100
COMMENT_EVERY = 20  # 5% of the tasks
ASSIGN_EVERY = 10  # 10% of the shot tasks
MB = 1024 * 1024
WORDS = (
    "harbour rooftop chase night rain market tunnel bridge forest desert "
    "storm dawn dusk crowd alley train station temple garden tower cliff "
    "river village castle lab office kitchen beach cave ship canyon snow "
    "fire smoke glass neon mirror ruin statue drone robot dragon fox owl"
).split()
PEOPLE = [
    (f"bench{i:02d}@example.com", f"Bench{i:02d}", "Tester",
     "supervisor" if i <= 5 else "user")
    for i in range(1, 11)
]
BOT_NAME = ("Bench", "Bridge")


def sizes(scale):
    """The workload's dimensions at a scale (1 = the full benchmark)."""
    return {
        "sequences": max(1, round(100 * scale)),
        "shots_per_sequence": SHOTS_PER_SEQUENCE,
        "assets": max(len(ASSET_TYPES), round(300 * scale)),
        "stream_bytes": max(1, round(100 * scale)) * MB,
        "upload_bytes": max(1, round(300 * scale)) * MB,
    }


def project_name(scale):
    """The big production's name at a scale."""
    return "Bench Feature" if scale == 1 else f"Bench Feature x{scale:g}"


def state_path():
    """Where the seed remembers ids, passwords and the bot token."""
    return stack_dir() / "bench-seed.json"


def load_state():
    """The saved seed state (one entry per scale)."""
    try:
        return json.loads(state_path().read_text())
    except FileNotFoundError:
        return {}


def save_state(state):
    """Save the seed state, readable by its owner only."""
    path = state_path()
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, indent=2)
    os.replace(tmp, path)


# ------------------------------------------------------------ reference


def reference_data(api):
    """Task statuses, task types and asset types, creating what lacks."""
    statuses = {
        s["short_name"]: s for s in api.get("/data/task-status")
        if not s.get("for_concept")
    }
    task_types = {}
    for task_type in api.get("/data/task-types"):
        kind = task_type.get("for_entity")
        if kind == "Shot" and task_type["name"] in SHOT_TASK_TYPES:
            task_types[("Shot", task_type["name"])] = task_type
        if kind == "Asset" and task_type["name"] in ASSET_TASK_TYPES:
            task_types[("Asset", task_type["name"])] = task_type
    for name in SHOT_TASK_TYPES:
        if ("Shot", name) not in task_types:
            task_types[("Shot", name)] = api.post("/data/task-types", {
                "name": name, "for_entity": "Shot", "color": "#8a6d3b",
                "priority": 20,
            })
    asset_types = {a["name"]: a for a in api.get("/data/asset-types")}
    return statuses, task_types, asset_types


def ensure_people(api, saved):
    """The bench people (5 supervisors, 5 artists) with known passwords."""
    existing = {p["email"]: p for p in api.get("/data/persons")}
    people = []
    for email, first, last, role in PEOPLE:
        person = existing.get(email)
        password = saved.get(email)
        if person is None:
            password = secrets.token_urlsafe(12)
            person = api.post("/data/persons", {
                "email": email, "first_name": first, "last_name": last,
                "role": role, "password": password, "active": True,
            })
        elif not password:
            password = secrets.token_urlsafe(12)
            api.post(f"/actions/persons/{person['id']}/change-password",
                     {"password": password, "password_2": password})
        people.append({"id": person["id"], "email": email,
                       "password": password, "role": role})
    return people


def ensure_bot(api, saved):
    """An admin bot for kitsu-web's event bridge; return its token."""
    first, last = BOT_NAME
    bots = [p for p in api.get("/data/persons")
            if p.get("is_bot") and p.get("first_name") == first
            and p.get("last_name") == last]
    if bots and saved.get("id") == bots[0]["id"] and saved.get("token"):
        return saved
    if bots:
        # The token is only shown at creation or when the expiry changes.
        expiry = time.strftime("%Y-%m-%d",
                               time.localtime(time.time() + 365 * 86400))
        answer = api.put(f"/data/persons/{bots[0]['id']}",
                         {"expiration_date": expiry})
        return {"id": bots[0]["id"], "token": answer["access_token"]}
    answer = api.post("/data/persons", {
        "first_name": first, "last_name": last, "is_bot": True,
        "role": "admin", "active": True,
    })
    return {"id": answer["id"], "token": answer["access_token"]}


def ensure_project(api, name, refs, people, asset_type_names):
    """A production with the bench task types, statuses and team."""
    statuses, task_types, asset_types = refs
    project = next(
        (p for p in api.get("/data/projects") if p["name"] == name), None
    )
    if project is None:
        project = api.post("/data/projects", {
            "name": name, "production_type": "featurefilm",
            "fps": "24", "resolution": "1920x1080",
        })
    project = api.get(f"/data/projects/{project['id']}")
    base = f"/data/projects/{project['id']}"
    for task_type in task_types.values():
        if task_type["id"] not in project["task_types"]:
            api.post(f"{base}/settings/task-types",
                     {"task_type_id": task_type["id"]})
    for short_name in STATUSES:
        if statuses[short_name]["id"] not in project["task_statuses"]:
            api.post(f"{base}/settings/task-status",
                     {"task_status_id": statuses[short_name]["id"]})
    for type_name in asset_type_names:
        if asset_types[type_name]["id"] not in project["asset_types"]:
            api.post(f"{base}/settings/asset-types",
                     {"asset_type_id": asset_types[type_name]["id"]})
    for person in people:
        if person["id"] not in project["team"]:
            api.post(f"{base}/team", {"person_id": person["id"]})
    return project


# ------------------------------------------------------------ entities


def description(rng):
    """A short varied description, so searches have something to find."""
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5)))


def post_csv(api, path, header, rows):
    """Send rows to a CSV import route in one request."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    return api.call("POST", path, timeout=LONG_TIMEOUT,
                    files={"file": ("import.csv", data, "text/csv")})


def ensure_shots(api, project_id, nb_sequences, shots_per_sequence):
    """Import the missing shots by CSV, a few sequences per request."""
    rng = random.Random(f"shots-{project_id}")
    existing = existing_shot_keys(api, project_id)
    plan = []
    for seq in range(1, nb_sequences + 1):
        seq_name = f"SQ{seq:03d}"
        frame = 1001
        for index in range(1, shots_per_sequence + 1):
            shot_name = f"SH{index * 10:04d}"
            length = rng.randint(24, 240)
            text = description(rng)
            if (seq_name, shot_name) not in existing:
                plan.append((seq_name, [seq_name, shot_name, text, frame,
                                        frame + length - 1]))
            frame += length
    header = ["Sequence", "Name", "Description", "Frame In", "Frame Out"]
    per_request = CSV_SEQUENCES_PER_REQUEST * shots_per_sequence
    chunks = [[row for _, row in plan[start:start + per_request]]
              for start in range(0, len(plan), per_request)]
    progress = {"done": 0}

    def send(chunk):
        # One session per request: two imports run side by side, so that
        # Zou's worker and PostgreSQL both stay busy.
        own = ZouAPI(api.base_url, api.token)
        started = time.monotonic()
        post_csv(own, f"/import/csv/projects/{project_id}/shots", header,
                 chunk)
        progress["done"] += len(chunk)
        log.info("shots: %d/%d imported (%.1f s for %d)", progress["done"],
                 len(plan), time.monotonic() - started, len(chunk))

    with ThreadPoolExecutor(PARALLEL_IMPORTS) as pool:
        list(pool.map(send, chunks))
    return len(plan)


def existing_shot_keys(api, project_id):
    """(sequence name, shot name) of the production's shots."""
    sequences = {
        s["id"]: s["name"]
        for s in api.get(f"/data/projects/{project_id}/sequences")
    }
    return {
        (sequences.get(s["parent_id"]), s["name"])
        for s in api.get(f"/data/projects/{project_id}/shots")
    }


def ensure_assets(api, project_id, nb_assets):
    """Import the missing assets by CSV (their tasks come with them)."""
    rng = random.Random(f"assets-{project_id}")
    existing = {
        a["name"] for a in api.get(f"/data/projects/{project_id}/assets")
    }
    rows = []
    for index in range(nb_assets):
        kind = ASSET_TYPES[index % len(ASSET_TYPES)]
        name = f"{kind[:4].upper()}{index + 1:04d}"
        text = description(rng)
        if name not in existing:
            rows.append([kind, name, text])
    if rows:
        started = time.monotonic()
        post_csv(api, f"/import/csv/projects/{project_id}/assets",
                 ["Type", "Name", "Description"], rows)
        log.info("assets: %d imported in %.1f s", len(rows),
                 time.monotonic() - started)
    return len(rows)


def with_tasks(api, family, project_id):
    """Zou's with-tasks list of a production."""
    return api.get(f"/data/{family}/with-tasks?project_id={project_id}",
                   timeout=LONG_TIMEOUT)


def fill_missing_tasks(api, project_id, rows, family, task_types):
    """Create, in bulk, the tasks of each type that some entity lacks."""
    route = "shots" if family == "shots" else "assets"
    for task_type in task_types:
        lacking = [r for r in rows
                   if task_type["id"] not in
                   {t["task_type_id"] for t in r.get("tasks", [])}]
        if lacking:
            log.info("%s: creating %d missing %s tasks", family,
                     len(lacking), task_type["name"])
            api.call(
                "POST",
                f"/actions/projects/{project_id}/task-types/"
                f"{task_type['id']}/{route}/create-tasks",
                json=[r["id"] for r in lacking], timeout=LONG_TIMEOUT,
            )
            return True
    return False


def all_tasks(shots, assets):
    """Every task of the production in a stable order, with its row."""
    tasks = []
    for family, rows in (("shot", shots), ("asset", assets)):
        for row in sorted(rows, key=lambda r: (r.get("sequence_name") or "",
                                              r["name"])):
            for task in sorted(row.get("tasks", []),
                               key=lambda t: t["task_type_id"]):
                tasks.append((family, row, task))
    return tasks


def ensure_comments(api, project_id, tasks, statuses):
    """A comment with a status change on every 20th task (5%)."""
    rng = random.Random(f"comments-{project_id}")
    todo = []
    for index, (_, row, task) in enumerate(tasks):
        if index % COMMENT_EVERY:
            continue
        status = COMMENT_STATUSES[(index // COMMENT_EVERY)
                                  % len(COMMENT_STATUSES)]
        text = (f"{description(rng).capitalize()} on {row['name']}: "
                f"**{rng.choice(WORDS)}** pass, see notes.")
        if task.get("last_comment_date"):
            continue
        todo.append({"object_id": task["id"],
                     "task_status_id": statuses[status]["id"],
                     "comment": text})
    for start in range(0, len(todo), COMMENT_BATCH):
        started = time.monotonic()
        api.call("POST", f"/actions/projects/{project_id}/tasks/comment-many",
                 json=todo[start:start + COMMENT_BATCH],
                 timeout=LONG_TIMEOUT)
        log.info("comments: %d/%d posted (%.1f s)",
                 min(start + COMMENT_BATCH, len(todo)), len(todo),
                 time.monotonic() - started)
    return len(todo)


def ensure_assignments(api, tasks, artists):
    """Assign every 10th shot task to an artist, one call per artist."""
    plan = {artist["id"]: [] for artist in artists}
    shot_tasks = [t for family, _, t in tasks if family == "shot"]
    for index, task in enumerate(shot_tasks):
        if index % ASSIGN_EVERY or task.get("assignees"):
            continue
        artist = artists[(index // ASSIGN_EVERY) % len(artists)]
        plan[artist["id"]].append(task["id"])
    count = 0
    for person_id, task_ids in plan.items():
        if task_ids:
            started = time.monotonic()
            api.call("PUT", f"/actions/persons/{person_id}/assign",
                     json={"task_ids": task_ids}, timeout=LONG_TIMEOUT)
            count += len(task_ids)
            log.info("assigned %d tasks (%.1f s)", len(task_ids),
                     time.monotonic() - started)
    return count


def ensure_comment(api, task_id, status_id, text, saved_id):
    """A comment of the harness on a task, created once."""
    if saved_id:
        try:
            comment = api.get(f"/data/comments/{saved_id}")
            if comment.get("object_id") == task_id:
                return comment
        except RuntimeError:
            pass
    return api.post(f"/actions/tasks/{task_id}/comment",
                    {"task_status_id": status_id, "comment": text})


def ensure_attachment(api, task_id, comment_id, path, saved):
    """The big file, attached once to the streaming comment."""
    size = os.path.getsize(path)
    name = os.path.basename(path)
    if saved and saved.get("size") == size:
        try:
            found = api.get(f"/data/attachment-files/{saved['id']}")
            if found.get("size") == size:
                return saved
        except RuntimeError:
            pass
    body = MultipartFile(path, filename=name)
    started = time.monotonic()
    files = api.call(
        "POST",
        f"/actions/tasks/{task_id}/comments/{comment_id}/add-attachment",
        data=body, headers={"Content-Type": body.content_type},
        timeout=LONG_TIMEOUT,
    )
    log.info("attachment of %d MB uploaded in %.1f s", size // MB,
             time.monotonic() - started)
    attachment = files[-1]
    if attachment.get("size") != size:
        raise RuntimeError(f"attachment stored with size "
                           f"{attachment.get('size')}, expected {size}")
    return {"id": attachment["id"], "name": attachment["name"],
            "size": size}


# ------------------------------------------------------------ main


def seed(stack, scale=1.0):
    """Create (or reuse) the whole workload; return its description."""
    started = time.monotonic()
    dims = sizes(scale)
    api = ZouAPI(stack["api_url"])
    api.login(stack["admin_email"], stack["admin_password"])
    state = load_state()
    key = f"{scale:g}"
    saved = state.get(key, {})

    refs = reference_data(api)
    statuses, task_types, _ = refs
    people = ensure_people(
        api, {p["email"]: p["password"] for p in state.get("people", [])}
    )
    state["people"] = people
    state["bot"] = ensure_bot(api, state.get("bot", {}))
    save_state(state)

    warmup = ensure_project(api, "Bench Warmup", refs, people, ["Prop"])
    ensure_shots(api, warmup["id"], 1, 10)
    project = ensure_project(api, project_name(scale), refs, people,
                             ASSET_TYPES)
    pid = project["id"]
    ensure_shots(api, pid, dims["sequences"], dims["shots_per_sequence"])
    ensure_assets(api, pid, dims["assets"])

    shot_types = [t for (kind, _), t in task_types.items() if kind == "Shot"]
    asset_types = [t for (kind, _), t in task_types.items()
                   if kind == "Asset"]
    for project_id in (warmup["id"], pid):
        for _ in range(len(shot_types) + 1):
            rows = with_tasks(api, "shots", project_id)
            if not fill_missing_tasks(api, project_id, rows, "shots",
                                      shot_types):
                break
    for _ in range(len(asset_types) + 1):
        assets = with_tasks(api, "assets", pid)
        if not fill_missing_tasks(api, pid, assets, "assets", asset_types):
            break
    shots = with_tasks(api, "shots", pid)
    tasks = all_tasks(shots, assets)

    artists = [p for p in people if p["role"] == "user"]
    assigned = ensure_assignments(api, tasks, artists)
    commented = ensure_comments(api, pid, tasks, statuses)

    # The streaming file hangs on a task of its own comment; uploads of
    # the upload measure go to a second comment and are deleted after.
    stream_task = tasks[1][2]
    todo_id = statuses["todo"]["id"]
    stream_comment = ensure_comment(
        api, stream_task["id"], todo_id, "Streaming test file.",
        saved.get("stream_comment_id"))
    upload_comment = ensure_comment(
        api, stream_task["id"], todo_id, "Upload test target.",
        saved.get("upload_comment_id"))
    stream_path = make_file(
        OUTPUT_DIR / "files" / f"stream-{dims['stream_bytes'] // MB}mb.bin",
        dims["stream_bytes"])
    attachment = ensure_attachment(api, stream_task["id"],
                                   stream_comment["id"], stream_path,
                                   saved.get("attachment"))

    warmup_shots = with_tasks(api, "shots", warmup["id"])
    relay_task = sorted(warmup_shots, key=lambda r: r["name"])[0]["tasks"][0]
    rng = random.Random(f"sample-{pid}")
    shot_task_ids = [t["id"] for family, _, t in tasks if family == "shot"]
    sample = rng.sample(shot_task_ids, min(200, len(shot_task_ids)))
    workload = {
        "scale": scale,
        "project_id": pid,
        "project_name": project["name"],
        "warmup_project_id": warmup["id"],
        "sequences": len({r.get("sequence_name") for r in shots}),
        "shots": len(shots),
        "assets": len(assets),
        "shot_tasks": sum(len(r.get("tasks", [])) for r in shots),
        "asset_tasks": sum(len(r.get("tasks", [])) for r in assets),
        "comments_target": len(tasks[::COMMENT_EVERY]),
        "stream_task_id": stream_task["id"],
        "stream_comment_id": stream_comment["id"],
        "upload_comment_id": upload_comment["id"],
        "attachment": attachment,
        "upload_bytes": dims["upload_bytes"],
        "relay_task_id": relay_task["id"],
        "task_sample": sample,
        "search_terms": sorted({r.get("sequence_name") for r in shots})[:20]
        + WORDS[:20],
        "seed_seconds": round(time.monotonic() - started, 1),
        "created": {"assigned": assigned, "comments": commented},
    }
    state[key] = workload
    save_state(state)
    return workload, state["people"], state["bot"]


def main(argv=None):
    """Command line: bring the bench stack up and seed it."""
    parser = argparse.ArgumentParser(prog="python -m bench.seed")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(message)s")
    stack, _ = ensure_stack()
    workload, _, _ = seed(stack, args.scale)
    summary = {k: v for k, v in workload.items() if k != "task_sample"}
    log.info("workload: %s", json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
