# syntax=docker/dockerfile:1
#
# ai-incident container image.
#   docker build -t ai-incident .
#   docker run -p 3000:3000 -v ai-incident-data:/data \
#     -e SLACK_BOT_TOKEN=... -e SLACK_SIGNING_SECRET=... ai-incident
# Settings come from the environment (see the README); none is baked into the image.

# The base image is pinned by digest so that a rebuild gets the same Python and Debian: a tag
# moves with every upstream patch. Both stages use the same one. To update, pull the tag, read the
# new digest (`docker buildx imagetools inspect python:3.11-slim`), and replace it in both FROMs.
# (The digest was taken from public Dockerfiles pinning this tag, not resolved here: no registry
# access where it was written; `docker pull` it once to confirm before a release.)

# ---- builder: install the app and its dependencies into a self-contained venv ----------------
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS builder

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
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS runtime

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

# AI_INCIDENT_MIGRATE_ON_START=1 (the default) runs `ai-incident db upgrade` before serving, so a
# single container comes up with the schema it needs. It is safe with several replicas too: on
# PostgreSQL the migration holds an advisory lock, so replicas starting together wait for one
# another and all but the first find nothing to do. Set it to 0 where migrations are a release
# step of their own (a Kubernetes Job, `docker run ... IMAGE ai-incident db upgrade`), so that a
# replica never changes the schema on its own.
# `exec` hands PID 1 to the server, so `docker stop` (SIGTERM) reaches it directly.
ENV AI_INCIDENT_MIGRATE_ON_START=1
ENTRYPOINT ["/bin/sh", "-c", "if [ \"$AI_INCIDENT_MIGRATE_ON_START\" = 1 ]; then ai-incident db upgrade || exit; fi; exec \"$@\"", "--"]
CMD ["ai-incident", "serve", "--host", "0.0.0.0", "--port", "3000"]
