"""Demo data for a local Zou stack, created through Zou's HTTP API.

Standard library only. seed() is idempotent: everything is looked up by
name (or e-mail) first and only what is missing gets created, so a re-run
on a seeded stack takes a couple of seconds.
"""

import json
import secrets
import urllib.error
import urllib.request

TIMEOUT = 60

PEOPLE = {
    # key: (e-mail, first name, last name, role)
    "manager": ("manager@example.com", "Paula", "Prodman", "manager"),
    "supervisor": (
        "supervisor@example.com", "Sam", "Supervise", "supervisor"
    ),
    "artist1": ("artist1@example.com", "Alex", "Artist", "user"),
    "artist2": ("artist2@example.com", "Bea", "Artist", "user"),
    "client": ("client@example.com", "Chris", "Client", "client"),
    "vendor": ("vendor@example.com", "Vic", "Vendor", "vendor"),
}

# The bot account kitsu-web's event bridge uses (e-mail, first, last name).
BOT = ("kitsu-web-bridge@example.com", "kitsu-web", "bridge")

ASSET_TASK_TYPES = ["Modeling", "Shading", "Rigging"]
SHOT_TASK_TYPES = ["Layout", "Animation", "Compositing"]
STATUSES = ["todo", "ready", "wip", "wfa", "retake", "done"]
# Statuses an artist may not set (is_artist_allowed turned off).
ARTIST_FORBIDDEN = ["done"]

PROJECTS = {
    "short": {
        "name": "Paper Lanterns",
        "production_type": "short",
        "is_set_preview_automated": True,
        "team": [
            "manager", "supervisor", "artist1", "artist2", "client",
            "vendor",
        ],
        "assets": [
            ("Character", "Lina"),
            ("Character", "Grandpa Jo"),
            ("Character", "Paper Fox"),
            ("Prop", "Lantern"),
            ("Prop", "Kite"),
            ("Prop", "Bicycle"),
            ("Environment", "Riverbank"),
            ("Environment", "Night Market"),
            ("FX", "Fireflies"),
            ("FX", "Rain"),
        ],
        "episodes": {None: {"SQ010": 10, "SQ020": 10}},
    },
    "tv": {
        "name": "Harbour Tales",
        "production_type": "tvshow",
        "is_set_preview_automated": False,
        "team": ["manager", "supervisor", "artist1", "artist2"],
        "assets": [
            ("Character", "Captain Moss"),
            ("Character", "Gull"),
            ("Prop", "Anchor"),
            ("Environment", "Harbour"),
        ],
        "episodes": {"E01": {"SQ010": 4}, "E02": {"SQ010": 4}},
    },
    "other": {
        "name": "Quiet Lab",
        "production_type": "short",
        "is_set_preview_automated": False,
        "team": ["manager", "supervisor", "artist1", "client", "vendor"],
        "assets": [
            ("Character", "Robot"),
            ("Prop", "Beaker"),
            ("Environment", "Lab"),
        ],
        "episodes": {None: {"SQ010": 3}},
    },
}

# Comment scripts: (project, entity name, task type, author, [statuses]).
# The task's assignee is the author when author is "assignee".
COMMENTS = [
    ("short", "Lina", "Modeling", "assignee", ["wip"]),
    ("short", "Grandpa Jo", "Shading", "assignee", ["wip", "wfa"]),
    ("short", "Grandpa Jo", "Shading", "supervisor", ["retake"]),
    ("short", "SQ010/SH010", "Layout", "assignee", ["wip", "wfa"]),
    ("short", "SQ010/SH020", "Animation", "assignee", ["wip", "wfa"]),
    ("short", "SQ010/SH020", "Animation", "supervisor", ["done"]),
    ("tv", "E01/SQ010/SH010", "Layout", "assignee", ["wip"]),
]
COMMENT_TEXT = {
    "wip": "Started working on it.",
    "wfa": "Ready for review, please have a look.",
    "retake": "Close, but the colours are too saturated: please tone down.",
    "done": "Approved, nice work.",
}


class ApiError(Exception):
    """Zou answered an API call with an error."""


class Api:
    """Minimal JSON client for Zou's API (urllib, timeout on each call)."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.token = None

    def call(self, method, path, body=None):
        """Send one request and return the decoded JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method
        )
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                content = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:500]
            raise ApiError(f"{method} {path} -> {exc.code}: {detail}")
        return json.loads(content) if content else None

    def get(self, path):
        """GET path."""
        return self.call("GET", path)

    def post(self, path, body=None):
        """POST a JSON body to path."""
        return self.call("POST", path, body if body is not None else {})

    def put(self, path, body):
        """PUT a JSON body to path."""
        return self.call("PUT", path, body)

    def login(self, email, password):
        """Log in and keep the access token."""
        answer = self.post(
            "/auth/login", {"email": email, "password": password}
        )
        self.token = answer["access_token"]
        return answer


def new_password():
    """Return a random password Zou accepts (>= 8 characters)."""
    return secrets.token_urlsafe(9)


def seed_people(api, previous):
    """Create the demo people; return the users part of seed.json."""
    existing = {person["email"]: person for person in api.get("/data/persons")}
    users = {}
    for key, (email, first, last, role) in PEOPLE.items():
        person = existing.get(email)
        password = previous.get(key, {}).get("password")
        if person is None:
            password = new_password()
            person = api.post(
                "/data/persons",
                {
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "password": password,
                    "active": True,
                },
            )
        else:
            if person["role"] != role:
                api.put(f"/data/persons/{person['id']}", {"role": role})
            if not password:
                password = new_password()
                api.post(
                    f"/actions/persons/{person['id']}/change-password",
                    {"password": password, "password_2": password},
                )
        users[key] = {
            "id": person["id"],
            "email": email,
            "password": password,
            "role": role,
            "full_name": f"{first} {last}",
        }
    return users


def ensure_bot(api, previous_token):
    """The live-update bridge's bot account; return its access token.

    The bot has the admin role: replaying Zou's event log after a gap
    needs manager rights on every production. Zou shows a bot's token
    only when it is created, or regenerated (which revokes the old one).
    """
    bot = next(
        (
            person for person in api.get("/data/persons")
            if person.get("is_bot") and person.get("email") == BOT[0]
        ),
        None,
    )
    if bot is not None and previous_token:
        check = Api(api.base_url)
        check.token = previous_token
        try:
            check.get("/auth/authenticated")
            return previous_token
        except ApiError:
            pass
    if bot is None:
        answer = api.post(
            "/data/persons",
            {
                "email": BOT[0],
                "first_name": BOT[1],
                "last_name": BOT[2],
                "role": "admin",
                "is_bot": True,
                "active": True,
            },
        )
    else:
        answer = api.put(
            f"/data/persons/{bot['id']}", {"expiration_date": None}
        )
    return answer["access_token"]


def seed_settings(api):
    """Return the reference ids; forbid some statuses to artists."""
    statuses = {
        status["short_name"]: status
        for status in api.get("/data/task-status")
        if not status.get("for_concept")
    }
    for short_name in ARTIST_FORBIDDEN:
        status = statuses[short_name]
        if status["is_artist_allowed"]:
            api.put(
                f"/data/task-status/{status['id']}",
                {"is_artist_allowed": False},
            )
            status["is_artist_allowed"] = False
    task_types = {}
    for task_type in api.get("/data/task-types"):
        wanted = (
            ASSET_TASK_TYPES if task_type["for_entity"] == "Asset"
            else SHOT_TASK_TYPES if task_type["for_entity"] == "Shot"
            else []
        )
        if task_type["name"] in wanted:
            task_types[task_type["name"]] = task_type
    asset_types = {
        asset_type["name"]: asset_type
        for asset_type in api.get("/data/asset-types")
    }
    return statuses, task_types, asset_types


def ensure_project(api, spec, users, refs, existing):
    """Create a production and its settings and team when missing."""
    statuses, task_types, asset_types = refs
    project = existing.get(spec["name"].lower())
    if project is None:
        project = api.post(
            "/data/projects",
            {
                "name": spec["name"],
                "production_type": spec["production_type"],
                "is_set_preview_automated": spec["is_set_preview_automated"],
            },
        )
    else:
        project = api.get(f"/data/projects/{project['id']}")
    pid = project["id"]
    base = f"/data/projects/{pid}"
    for task_type in task_types.values():
        if task_type["id"] not in project["task_types"]:
            api.post(
                f"{base}/settings/task-types",
                {"task_type_id": task_type["id"]},
            )
    for short_name in STATUSES:
        if statuses[short_name]["id"] not in project["task_statuses"]:
            api.post(
                f"{base}/settings/task-status",
                {"task_status_id": statuses[short_name]["id"]},
            )
    for type_name in sorted({kind for kind, _ in spec["assets"]}):
        if asset_types[type_name]["id"] not in project["asset_types"]:
            api.post(
                f"{base}/settings/asset-types",
                {"asset_type_id": asset_types[type_name]["id"]},
            )
    for key in spec["team"]:
        if users[key]["id"] not in project["team"]:
            api.post(f"{base}/team", {"person_id": users[key]["id"]})
    return project


def ensure_entities(api, project, spec, asset_types):
    """Create assets, episodes, sequences and shots.

    Return the entity labels by id, the asset ids and the episodes.
    """
    pid = project["id"]
    base = f"/data/projects/{pid}"
    names = {}
    assets = {a["name"]: a for a in api.get(f"{base}/assets")}
    for type_name, asset_name in spec["assets"]:
        asset = assets.get(asset_name)
        if asset is None:
            asset = api.post(
                f"{base}/asset-types/{asset_types[type_name]['id']}"
                "/assets/new",
                {"name": asset_name, "description": f"{type_name} asset"},
            )
        names[asset["id"]] = asset_name
    asset_ids = set(names)
    episodes = {e["name"]: e for e in api.get(f"{base}/episodes")}
    sequences = {
        (s.get("parent_id"), s["name"]): s
        for s in api.get(f"{base}/sequences")
    }
    shots = {
        (s.get("parent_id"), s["name"]): s for s in api.get(f"{base}/shots")
    }
    episode_list = []
    for episode_name, sequence_specs in spec["episodes"].items():
        episode_id = None
        prefix = ""
        if episode_name is not None:
            episode = episodes.get(episode_name)
            if episode is None:
                episode = api.post(f"{base}/episodes", {"name": episode_name})
            episode_id = episode["id"]
            prefix = f"{episode_name}/"
            episode_list.append({"id": episode_id, "name": episode_name})
        for sequence_name, nb_shots in sequence_specs.items():
            sequence = sequences.get((episode_id, sequence_name))
            if sequence is None:
                body = {"name": sequence_name}
                if episode_id:
                    body["episode_id"] = episode_id
                sequence = api.post(f"{base}/sequences", body)
            for index in range(1, nb_shots + 1):
                shot_name = f"SH{index * 10:03d}"
                shot = shots.get((sequence["id"], shot_name))
                if shot is None:
                    shot = api.post(
                        f"{base}/shots",
                        {
                            "name": shot_name,
                            "sequence_id": sequence["id"],
                            "nb_frames": 48 + index * 8,
                        },
                    )
                names[shot["id"]] = f"{prefix}{sequence_name}/{shot_name}"
    return names, asset_ids, episode_list


def ensure_tasks(api, project, task_types, names, asset_ids):
    """Create the missing tasks of the linked types; return all tasks.

    The bulk creation routes start every task on the default non-concept
    status, Todo (Zou picks it explicitly with for_concept=False).
    """
    pid = project["id"]
    tasks = api.get(f"/data/projects/{pid}/tasks")
    have = {(t["entity_id"], t["task_type_id"]) for t in tasks}
    created = False
    for task_type in task_types.values():
        is_asset = task_type["for_entity"] == "Asset"
        entity_ids = [
            entity_id for entity_id in names
            if (entity_id in asset_ids) == is_asset
        ]
        if all((e, task_type["id"]) in have for e in entity_ids):
            continue
        family = "assets" if is_asset else "shots"
        api.post(
            f"/actions/projects/{pid}/task-types/{task_type['id']}"
            f"/{family}/create-tasks",
            [],
        )
        created = True
    if created:
        tasks = api.get(f"/data/projects/{pid}/tasks")
    return tasks


def assign_tasks(api, key, tasks, names, type_names, users):
    """Give every unassigned task one or two assignees."""
    ordered = sorted(
        (t for t in tasks if t["entity_id"] in names),
        key=lambda t: (names[t["entity_id"]], type_names[t["task_type_id"]]),
    )
    artists = ["artist1", "artist2"] if key != "other" else ["artist1"]
    plan = {}
    for index, task in enumerate(ordered):
        label = names[task["entity_id"]]
        if key == "short" and label.startswith("SQ020/") and (
            type_names[task["task_type_id"]] == "Compositing"
            and label <= "SQ020/SH030"
        ):
            people = ["vendor"]
        else:
            people = [artists[index % len(artists)]]
            if index % 4 == 3 and len(artists) > 1:
                people.append(artists[(index + 1) % len(artists)])
        if not task.get("assignees"):
            for person in people:
                plan.setdefault(person, []).append(task["id"])
            task["assignees"] = [users[p]["id"] for p in people]
    for person, task_ids in plan.items():
        api.put(
            f"/actions/persons/{users[person]['id']}/assign",
            {"task_ids": task_ids},
        )


def add_comments(api, key, tasks, names, type_names, users, statuses):
    """Post the scripted comments on tasks still in Todo."""
    by_label = {
        (names[t["entity_id"]], type_names[t["task_type_id"]]): t
        for t in tasks
        if t["entity_id"] in names
    }
    todo_id = statuses["todo"]["id"]
    touched = {}
    for project_key, label, type_name, author, steps in COMMENTS:
        if project_key != key:
            continue
        task = by_label[(label, type_name)]
        fresh = touched.setdefault(
            task["id"], task["task_status_id"] == todo_id
        )
        if not fresh:
            continue
        if author == "assignee":
            person_id = task["assignees"][0]
        else:
            person_id = users[author]["id"]
        for step in steps:
            api.post(
                f"/actions/tasks/{task['id']}/comment",
                {
                    "task_status_id": statuses[step]["id"],
                    "comment": COMMENT_TEXT[step],
                    "person_id": person_id,
                },
            )


def seed(stack, previous):
    """Seed the stack described by stack.json; return seed.json's data."""
    api = Api(stack["api_url"])
    api.login(stack["admin_email"], stack["admin_password"])
    me = api.get("/auth/authenticated")["user"]
    users = {
        "admin": {
            "id": me["id"],
            "email": stack["admin_email"],
            "password": stack["admin_password"],
            "role": "admin",
            "full_name": me.get("full_name") or "Admin",
        }
    }
    users.update(seed_people(api, previous.get("users", {})))
    bot_token = ensure_bot(api, previous.get("bot_token"))
    statuses, task_types, asset_types = seed_settings(api)
    type_names = {tt["id"]: name for name, tt in task_types.items()}
    existing = {p["name"].lower(): p for p in api.get("/data/projects")}
    projects = {}
    for key, spec in PROJECTS.items():
        project = ensure_project(
            api, spec, users, (statuses, task_types, asset_types), existing
        )
        names, asset_ids, episodes = ensure_entities(
            api, project, spec, asset_types
        )
        tasks = ensure_tasks(api, project, task_types, names, asset_ids)
        assign_tasks(api, key, tasks, names, type_names, users)
        add_comments(api, key, tasks, names, type_names, users, statuses)
        projects[key] = {"id": project["id"], "name": spec["name"]}
        if spec["production_type"] == "tvshow":
            projects[key]["episodes"] = episodes
    return {
        "users": users,
        "projects": projects,
        "task_statuses": {
            name: status["id"] for name, status in statuses.items()
        },
        "task_types": {name: tt["id"] for name, tt in task_types.items()},
        "asset_types": {
            name: asset_type["id"] for name, asset_type in asset_types.items()
        },
        "artist_allowed_statuses": sorted(
            name for name, status in statuses.items()
            if status["is_artist_allowed"]
        ),
        "artist_forbidden_statuses": sorted(
            name for name, status in statuses.items()
            if not status["is_artist_allowed"]
        ),
        "bot_token": bot_token,
    }
