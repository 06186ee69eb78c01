# syntax=docker/dockerfile:1
# kitsu-web: the public entry of the stack (pages, /api proxy, /socket.io).
#   docker build -t kitsu-web .
#   docker run --init -p 8080:8080 --env-file instance/kitsu-web.env kitsu-web
# --init (or compose's "init: true") puts a small init process at PID 1
# that forwards signals and reaps strays; gunicorn then runs as its child.

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --- build: wheels for every pinned requirement, installed into a venv ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY requirements.txt ./
RUN pip wheel --wheel-dir /wheels -r requirements.txt \
    && python -m venv /opt/kitsu-web/venv \
    && /opt/kitsu-web/venv/bin/pip install --no-index \
        --find-links /wheels -r requirements.txt

# --- runtime: the venv, the app files, an unprivileged user ---
FROM ${PYTHON_IMAGE} AS runtime

# Fixed ids, so file ownership on volumes survives rebuilds.
ARG KITSU_WEB_UID=10001
RUN groupadd --system --gid "${KITSU_WEB_UID}" kitsu \
    && useradd --system --uid "${KITSU_WEB_UID}" --gid kitsu \
        --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin kitsu

COPY --from=build /opt/kitsu-web/venv /opt/kitsu-web/venv

ENV PATH=/opt/kitsu-web/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KITSU_WEB_ENV=production \
    KITSU_WEB_BIND=0.0.0.0:8080 \
    KITSU_WEB_WORKER_TMP_DIR=/dev/shm

WORKDIR /app
COPY app.py ./
COPY kitsu_web/ kitsu_web/
COPY templates/ templates/
COPY static/ static/
COPY config/ config/
# Files belong to root and are compiled once: the app user cannot change
# them. Writable paths: /tmp (upload spooling) and /dev/shm only.
RUN python -m compileall -q kitsu_web app.py config \
    && chmod -R a-w,a+rX /app

USER kitsu
EXPOSE 8080

# Liveness only (/healthz calls nothing upstream); readiness is /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", \
        "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

CMD ["gunicorn", "-c", "config/gunicorn.conf.py"]
