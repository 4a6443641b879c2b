"""deploy/docker-compose.yml runs ai-incident on PostgreSQL with two replicas behind Caddy.

A file Compose rejects, a replica that starts before the schema is migrated, or a proxy that
publishes /metrics would each reach an operator as a broken or leaky install; these tests catch
them offline, against the Compose Specification's schema vendored beside them.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.deploy.settings_names import settings_env_names

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"
COMPOSE_PATH = DEPLOY_DIR / "docker-compose.yml"
CADDYFILE_PATH = DEPLOY_DIR / "Caddyfile"
ENV_EXAMPLE_PATH = DEPLOY_DIR / ".env.example"
SCHEMA_PATH = Path(__file__).resolve().parent / "compose_spec" / "compose-spec.json"
APP_PORT = "3000"
# Names the compose file itself reads (the database password, the proxy's site address), and
# the logging settings, which the logging setup reads rather than Settings.
NAMES_BESIDES_SETTINGS = {
    "POSTGRES_PASSWORD",
    "AI_INCIDENT_SITE_ADDRESS",
    "AI_INCIDENT_LOG_LEVEL",
    "AI_INCIDENT_LOG_FORMAT",
}
PUBLIC_PATHS = {
    "/slack/events",
    "/api/v1/changes",
    "/api/v1/webhooks/alertmanager",
    "/api/v1/webhooks/langfuse",
    "/api/v1/incidents",
    "/api/v1/incidents/7/timeline",
    "/api/v1/eval-runs",
}
INTERNAL_PATHS = {"/metrics", "/healthz", "/readyz", "/", "/api/v1/incidentsX"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_PATH.read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = compose["services"]
    return found


def _app_services(services: dict[str, Any]) -> dict[str, Any]:
    return {
        name: service
        for name, service in services.items()
        if service.get("command", [])[:1] == ["serve"]
    }


def _caddy_public_patterns() -> list[str]:
    text = CADDYFILE_PATH.read_text("utf-8")
    matcher = re.search(r"^\s*@public path (.+)$", text, re.MULTILINE)
    assert matcher is not None, "the Caddyfile has no `@public path …` matcher"
    return matcher.group(1).split()


def _caddy_routes(path: str) -> bool:
    # Caddy's path matcher: `*` is a wildcard that also crosses `/`, the match is exact otherwise.
    return any(fnmatchcase(path, pattern) for pattern in _caddy_public_patterns())


def _env_example_names() -> dict[str, str]:
    names = {}
    for line in ENV_EXAMPLE_PATH.read_text("utf-8").splitlines():
        match = re.fullmatch(r"#?\s*([A-Z][A-Z0-9_]+)=(.*)", line.strip())
        if match:
            names[match.group(1)] = match.group(2)
    return names


def test_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    problems = [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(compose), key=lambda e: e.json_path)
    ]
    assert not problems, "docker-compose.yml breaks the Compose schema:\n" + "\n".join(problems)


def test_postgres_keeps_its_data_and_reports_health(services: dict[str, Any]) -> None:
    postgres = services["postgres"]
    assert any(str(v).endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "ports" not in postgres, "the database must not be published"


def test_migration_runs_once_after_postgres_is_healthy(services: dict[str, Any]) -> None:
    migrate = services["migrate"]
    assert [*migrate["entrypoint"], *migrate["command"]] == ["ai-incident", "db", "upgrade"]
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate["restart"] == "no"


def test_two_replicas_start_only_after_the_migration(services: dict[str, Any]) -> None:
    apps = _app_services(services)
    assert len(apps) >= 2
    for name, app in apps.items():
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
        # The image's own entrypoint may migrate on start; the replicas must not.
        assert app["entrypoint"] == ["ai-incident"], name
        assert app["command"][app["command"].index("--host") + 1] == "0.0.0.0", name
        url = app["environment"]["AI_INCIDENT_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url, name
        assert app["build"]["context"] == "..", name
        assert "ports" not in app, f"{name} is reachable only through the proxy"


def test_only_the_proxy_publishes_ports(services: dict[str, Any]) -> None:
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert any("Caddyfile" in str(v) for v in services["proxy"]["volumes"])


def test_proxy_balances_over_every_replica(services: dict[str, Any]) -> None:
    text = CADDYFILE_PATH.read_text("utf-8")
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", text)
    assert upstreams is not None
    assert set(upstreams.group(1).split()) == {f"{n}:{APP_PORT}" for n in _app_services(services)}
    assert "health_uri /readyz" in text


def test_proxy_routes_only_the_public_paths() -> None:
    assert {p for p in PUBLIC_PATHS if not _caddy_routes(p)} == set()
    assert {p for p in INTERNAL_PATHS if _caddy_routes(p)} == set()
    # Whatever the matcher misses must answer 404, not fall through to an upstream.
    assert re.search(r"handle \{\s*respond 404\s*\}", CADDYFILE_PATH.read_text("utf-8"))


def test_env_example_names_real_settings_and_holds_no_secret() -> None:
    known = settings_env_names().keys()
    names = _env_example_names()
    assert set(names) - known - NAMES_BESIDES_SETTINGS == set()
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "POSTGRES_PASSWORD"} <= set(names)
    secrets = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "POSTGRES_PASSWORD"}
    secrets |= {n for n in names if n.endswith(("_TOKEN", "_SECRET"))}
    real = {n for n in secrets & set(names) if names[n] and "replace-me" not in names[n]}
    assert real <= {"POSTGRES_PASSWORD"} and names["POSTGRES_PASSWORD"] == "change-me"
