"""What PostgreSQL refuses to store (NUL in text, lone surrogates) is a 422 naming the field on
every backend, never a 500 from the database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from tests.e2e.ledger_support import BEARER, a_change, ledger, signed
from tests.e2e.test_change_webhooks import a_notification, a_prompt_event, an_alert
from tests.rig import API_TOKEN, WEBHOOK_SECRET, OpenRig


@pytest.fixture
async def backend_rig(database_url: str, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    async with open_rig(
        database_url=database_url,
        emulator=SlackEmulator(),
        api_token=API_TOKEN,
        webhook_secret=WEBHOOK_SECRET,
    ) as running:
        yield running


POSTS: list[tuple[str, str, Any, str]] = [
    ("summary", "/api/v1/changes", a_change("sha-1", summary="a\x00b"), "summary"),
    ("external id", "/api/v1/changes", {"changes": [a_change("sha\x00")]}, "changes.0.external_id"),
    (
        "attribute name",
        "/api/v1/changes",
        a_change("sha-2", attributes={"k\x00": 1}),
        "attributes.k\x00",
    ),
    ("lone surrogate", "/api/v1/changes", a_change("sha-3", summary="\ud800"), "summary"),
    ("incident title", "/api/v1/incidents", {"title": "drift\x00"}, "title"),
    (
        "alert label",
        "/api/v1/webhooks/alertmanager",
        a_notification(an_alert(ai_feature="x\x00")),
        "alerts.0.labels.ai_feature",
    ),
    (
        "prompt name",
        "/api/v1/webhooks/langfuse",
        a_prompt_event("evt-\x00", 4, ["production"]),
        "id",
    ),
]


@pytest.mark.parametrize(("case", "path", "document", "field"), POSTS, ids=[p[0] for p in POSTS])
async def test_a_nul_in_a_posted_body_is_a_422_naming_its_field(
    backend_rig: Rehearsal, case: str, path: str, document: Any, field: str
) -> None:
    body = json.dumps(document).encode()
    response = await backend_rig.http.post(path, content=body, headers=signed(body))

    assert response.status_code == 422, (case, response.text)
    assert response.json()["errors"][0]["field"] == field
    assert await ledger(backend_rig) == []
    assert await backend_rig.runtime.deps.incidents.list_open() == []


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/changes", {"service": "legal\x00rag"}, "service"),
        ("/api/v1/changes", {"kind": "model\x00"}, "kind"),
    ],
)
async def test_a_nul_in_a_query_is_a_422_naming_the_parameter(
    backend_rig: Rehearsal, path: str, params: dict[str, str], field: str
) -> None:
    response = await backend_rig.http.get(path, params=params, headers=BEARER)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_a_nul_in_the_langfuse_link_is_a_422(backend_rig: Rehearsal) -> None:
    response = await backend_rig.http.post(
        "/api/v1/webhooks/langfuse",
        params={"langfuse_url": "https://cloud.langfuse.com/\x00"},
        json=a_prompt_event("evt-1", 4, ["production"]),
        headers=BEARER,
    )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "langfuse_url"
    assert await ledger(backend_rig) == []
