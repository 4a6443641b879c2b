"""Shared pieces for the change-ledger end-to-end tests: signed and bearer requests to the REST
API, and readers of what the ledger, the timelines and the channels hold afterwards (the
fixtures are in tests/conftest.py)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.api.auth import signature_headers
from bot.core.changes.model import Change
from bot.core.incidents.model import Incident
from bot.core.timeline import TimelineEvent
from bot.demo.rehearsal import Rehearsal
from tests.rig import API_TOKEN, WEBHOOK_SECRET

BEARER = {"Authorization": f"Bearer {API_TOKEN}"}
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
FEATURE = "legal-research-rag"


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def signed(
    body: bytes,
    secret: str = WEBHOOK_SECRET,
    *,
    delivery_id: str | None = None,
    at: datetime | None = None,
) -> dict[str, str]:
    """Standard Webhooks headers for `body`; a fresh delivery id unless one is given."""
    delivery = delivery_id or f"msg_{uuid.uuid4().hex}"
    return {
        **signature_headers(body, secret, delivery_id=delivery, at=at),
        "Content-Type": "application/json",
    }


def a_change(external_id: str, **overrides: Any) -> dict[str, Any]:
    """A change as a CI job would send it: a model bump on the legal-research assistant."""
    change: dict[str, Any] = {
        "source": "github-actions",
        "external_id": external_id,
        "kind": "model",
        "occurred_at": iso(now() - timedelta(days=2)),
        "service": FEATURE,
        "before": "gpt-4o-2024-08-06",
        "after": "gpt-4o-2024-11-20",
        "summary": "pin the new snapshot",
        "url": f"https://github.com/acme/legal-rag/commit/{external_id}",
        "actor": "deploy-bot",
        "attributes": {"gen_ai.provider.name": "openai"},
    }
    change.update(overrides)
    return change


async def post_signed(rig: Rehearsal, path: str, data: object) -> httpx.Response:
    """POST `data` as JSON, signed with the webhook secret (the bytes signed are the bytes sent)."""
    body = json.dumps(data).encode()
    return await rig.http.post(path, content=body, headers=signed(body))


async def post_bearer(
    rig: Rehearsal, path: str, data: object, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await rig.http.post(path, json=data, headers={**BEARER, **(headers or {})})


async def ledger(rig: Rehearsal) -> list[Change]:
    """Everything in the ledger, newest first (a window wide enough for any test)."""
    page = await rig.runtime.deps.changes.list_changes(
        since=now() - timedelta(days=365), until=now() + timedelta(days=1), limit=1000
    )
    return page.changes


async def timeline(rig: Rehearsal, incident: Incident | int) -> list[TimelineEvent]:
    number = incident if isinstance(incident, int) else incident.number or 0
    return await rig.runtime.deps.incidents.timeline(number)


async def open_incident(rig: Rehearsal, **fields: Any) -> Incident:
    """Open an incident through the REST API and return it as stored."""
    body = {
        "title": "Research assistant cites cases that do not exist",
        "ai_feature": FEATURE,
        "regression_started_at": iso(now() - timedelta(days=1)),
        **fields,
    }
    response = await post_bearer(rig, "/api/v1/incidents", body)
    assert response.status_code == 201, response.text
    await rig.slack.settle()
    return await rig.runtime.deps.incidents.get(response.json()["number"])


def bot_messages(rig: Rehearsal, channel_id: str, containing: str) -> list[str]:
    """The text of the bot's messages in a channel (blocks included) that contain a phrase."""
    found = []
    for message in rig.emulator.messages(channel_id):
        shown = message.text + " " + json.dumps(message.blocks, ensure_ascii=False)
        if containing in shown:
            found.append(shown)
    return found
