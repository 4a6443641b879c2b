# syntax=docker/dockerfile:1
#
# ai-incident container image.
#   docker build -t ai-incident .
#   docker run -p 3000:3000 -v ai-incident-data:/data \
#     -e SLACK_BOT_TOKEN=... -e SLACK_SIGNING_SECRET=... ai-incident
# Settings come from the environment (see the README); none is baked into the image.

# ---- builder: install the app and its dependencies into a self-contained venv ----------------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# README.md is read by the build (pyproject's `readme`), so it travels with the code.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY runbooks ./runbooks
# A regular (non-editable) install: the runtime stage copies only /opt/venv, never /src.
# Dependency versions are the ranges pyproject.toml declares; there is no lock file to pin to.
# hadolint ignore=DL3013
RUN pip install ".[postgres]"

# ---- runtime: the venv, a non-root user and a data volume -----------------------------------
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    AI_INCIDENT_DATABASE_URL=sqlite+aiosqlite:////data/ai-incident.db

RUN groupadd --system --gid 10001 aiincident \
 && useradd --system --uid 10001 --gid aiincident --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin aiincident \
 && mkdir -p /app /data \
 && chown aiincident:aiincident /app /data

COPY --from=builder /opt/venv /opt/venv

# Declared after the chown so a fresh named volume starts out owned by aiincident.
VOLUME /data
WORKDIR /app
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001

EXPOSE 3000

# urllib, not curl: the slim image has no curl, and Python is already here. Any non-2xx or a
# refused connection raises, so the exit status is non-zero. The port is the one CMD serves on;
# change both together.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

# Migrations run before every start, so a single container (SQLite on /data, or one replica on
# PostgreSQL) comes up with the schema it needs and `db upgrade` is a no-op when nothing changed.
# With several replicas on PostgreSQL, run `ai-incident db upgrade` once as a release step and
# start the replicas without it:
#   docker run --entrypoint ai-incident IMAGE serve --host 0.0.0.0 --port 3000
# `exec` hands PID 1 to the server, so `docker stop` (SIGTERM) reaches it directly.
ENTRYPOINT ["/bin/sh", "-c", "ai-incident db upgrade && exec \"$@\"", "--"]
CMD ["ai-incident", "serve", "--host", "0.0.0.0", "--port", "3000"]
