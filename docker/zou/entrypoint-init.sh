#!/bin/sh
# One-shot set-up of Zou's database for the compose stack (service zou-init):
#   1. schema: created on an empty database, upgraded otherwise;
#   2. reference data (statuses, task types): only when missing;
#   3. first admin: only when the database has no human admin yet.
# Each step looks at the database first, so the script is safe to run on
# every "docker compose up". Telemetry is never sent.
set -eu

log() {
    printf 'zou-init: %s\n' "$*"
}

# Zou's CLI accepts any key; fail here so the servers never start with a
# missing or weak one (they depend on this service's success).
key=${SECRET_KEY:-}
if [ "${#key}" -lt 32 ] || [ "$key" = mysecretkey ]; then
    log "SECRET_KEY must be set to 32 or more random characters" >&2
    exit 1
fi

# Print "<schema> <seeded> <admins>": 1 if Zou's tables exist, 1 if the
# reference data is there, and the number of active human admins.
# PostgreSQL gets up to ZOU_INIT_DB_WAIT seconds to accept connections.
probe() {
    python - <<'PY'
import os
import sys
import time

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import OperationalError

url = URL.create(
    drivername=os.getenv("DB_DRIVER", "postgresql+psycopg"),
    host=os.getenv("DB_HOST", "localhost"),
    port=int(os.getenv("DB_PORT", "5432")),
    username=os.getenv("DB_USERNAME", "postgres"),
    password=os.getenv("DB_PASSWORD"),
    database=os.getenv("DB_DATABASE", "zoudb"),
)
engine = create_engine(url)
deadline = time.monotonic() + float(os.getenv("ZOU_INIT_DB_WAIT", "60"))
while True:
    try:
        conn = engine.connect()
        break
    except OperationalError as exc:
        if time.monotonic() > deadline:
            sys.exit(f"zou-init: database not reachable: {exc}")
        time.sleep(2)
with conn:
    schema = inspect(conn).has_table("person")
    seeded = admins = 0
    if schema:
        seeded = int(
            conn.execute(text("SELECT count(*) FROM project_status")).scalar()
            > 0
            and conn.execute(text("SELECT count(*) FROM task_status")).scalar()
            > 0
        )
        admins = conn.execute(
            text(
                "SELECT count(*) FROM person WHERE role = 'admin' "
                "AND is_bot IS NOT TRUE AND active IS NOT FALSE"
            )
        ).scalar()
print(int(schema), seeded, admins)
engine.dispose()
PY
}

state=$(probe)
set -- $state
schema=$1
seeded=$2
admins=$3
log "schema=$schema reference-data=$seeded admins=$admins"

if [ "$schema" = 0 ]; then
    log "empty database: creating the schema"
    zou init-db
else
    log "upgrading the schema (no-op when already current)"
    zou upgrade-db --no-telemetry
fi

if [ "$seeded" = 0 ]; then
    log "loading reference data (domain ${ZOU_INIT_DOMAIN:-3d})"
    zou init-data --domain "${ZOU_INIT_DOMAIN:-3d}"
else
    log "reference data present: left as is"
fi

if [ "$admins" = 0 ]; then
    : "${ZOU_ADMIN_EMAIL:?no admin yet: set ZOU_ADMIN_EMAIL in zou.env}"
    : "${ZOU_ADMIN_PASSWORD:?no admin yet: set ZOU_ADMIN_PASSWORD in zou.env}"
    log "creating the first admin $ZOU_ADMIN_EMAIL"
    zou create-admin "$ZOU_ADMIN_EMAIL" --password "$ZOU_ADMIN_PASSWORD"
else
    log "an admin exists: none created"
fi

log "done"
