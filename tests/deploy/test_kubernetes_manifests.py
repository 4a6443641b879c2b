"""The Kubernetes manifests under deploy/kubernetes are what an operator applies.

A manifest the API server rejects fails the rollout; one that is accepted but wrong (a probe on
the wrong path, /metrics on the Ingress, a Secret key the app never reads) fails quietly in
production. Both are caught here, offline: kubernetes-validate ships the API schemas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from tests.deploy.settings_names import settings_env_names

KUBERNETES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
# The oldest Kubernetes release still supported upstream when this was written; the manifests
# use nothing newer.
KUBERNETES_VERSION = "1.33.0"
# kustomize's own file, not an API object.
NOT_API_OBJECTS = {"kustomization.yaml"}
PUBLIC_PATHS = {
    "/slack/events",
    "/api/v1/changes",
    "/api/v1/webhooks/alertmanager",
    "/api/v1/webhooks/langfuse",
    "/api/v1/incidents",
    "/api/v1/incidents/7/postmortem.md",
    "/api/v1/eval-runs",
}
INTERNAL_PATHS = {"/metrics", "/healthz", "/readyz"}


def _manifest_files() -> list[Path]:
    return sorted(p for p in KUBERNETES_DIR.glob("*.yaml") if p.name not in NOT_API_OBJECTS)


def _load_all() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in _manifest_files():
        objects.extend(doc for doc in yaml.safe_load_all(path.read_text("utf-8")) if doc)
    return objects


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return _load_all()


def _one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("path", _manifest_files(), ids=lambda p: p.name)
def test_manifest_is_valid_for_kubernetes(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text("utf-8")):
        if not document:
            continue
        try:
            # strict: an unknown or misspelt field (e.g. `livenesProbe`) is an error, not ignored.
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            pytest.fail(f"{path.name}: {document['kind']}: {where}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            pytest.fail(f"{path.name}: {error.message}")


def test_probes_check_liveness_and_readiness_on_their_endpoints(
    objects: list[dict[str, Any]],
) -> None:
    container = _one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # Readiness is the one that checks the database, the schema and Slack: a replica that
    # cannot reach them must leave the Service, not be restarted.
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"


def test_deployment_runs_several_unprivileged_replicas(objects: list[dict[str, Any]]) -> None:
    deployment = _one(objects, "Deployment")
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    container = pod["containers"][0]
    assert container["command"][:2] == ["ai-incident", "serve"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {"requests", "limits"} <= set(container["resources"])


def test_migration_job_runs_db_upgrade_with_the_same_settings(
    objects: list[dict[str, Any]],
) -> None:
    job = _one(objects, "Job")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["ai-incident", "db", "upgrade"]
    deployment_container = _one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == deployment_container["envFrom"]
    assert container["image"] == deployment_container["image"]


def test_ingress_exposes_the_public_paths_and_nothing_internal(
    objects: list[dict[str, Any]],
) -> None:
    ingress = _one(objects, "Ingress")
    rules = [
        (p["path"], p["pathType"]) for r in ingress["spec"]["rules"] for p in r["http"]["paths"]
    ]
    assert "defaultBackend" not in ingress["spec"]

    def routed(path: str) -> bool:
        for rule_path, kind in rules:
            if kind == "Exact" and path == rule_path:
                return True
            # Prefix matches whole path elements: /api/v1/incidents covers /api/v1/incidents/7.
            if kind == "Prefix" and (path == rule_path or path.startswith(rule_path + "/")):
                return True
        return False

    assert {p for p in PUBLIC_PATHS if not routed(p)} == set()
    assert {p for p in INTERNAL_PATHS if routed(p)} == set()
    assert all(kind in {"Exact", "Prefix"} for _, kind in rules)


def test_service_and_pdb_select_the_deployments_pods(objects: list[dict[str, Any]]) -> None:
    pod_labels = _one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    service_selector = _one(objects, "Service")["spec"]["selector"]
    budget = _one(objects, "PodDisruptionBudget")["spec"]
    assert service_selector.items() <= pod_labels.items()
    assert budget["selector"]["matchLabels"].items() <= pod_labels.items()
    assert budget["minAvailable"] == 1
    # A migration pod must not count as a server replica.
    job_labels = _one(objects, "Job")["spec"]["template"]["metadata"]["labels"]
    assert not budget["selector"]["matchLabels"].items() <= job_labels.items()


def test_secret_keys_are_secret_settings(objects: list[dict[str, Any]]) -> None:
    settings = settings_env_names()
    secret = _one(objects, "Secret")
    keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    assert keys - settings.keys() == set(), "the app reads no setting of that name"
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "AI_INCIDENT_DATABASE_URL"} <= keys
    # The placeholders are marked, so a Secret applied unedited is recognisable.
    assert all("REPLACE-ME" in value for value in secret["stringData"].values())


def test_configmap_holds_no_secret(objects: list[dict[str, Any]]) -> None:
    settings = settings_env_names()
    config = _one(objects, "ConfigMap")["data"]
    assert {k for k in config if settings.get(k)} == set()
    assert "AI_INCIDENT_DATABASE_URL" not in config, "the URL carries the database password"


def test_metrics_are_scraped_from_the_pods(objects: list[dict[str, Any]]) -> None:
    annotations = _one(objects, "Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics"
    assert annotations["prometheus.io/port"] == "3000"
