"""Signed REST writes: a replayed delivery answers as the first did and changes nothing;
Langfuse signs with its own secret and needs no API token."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.core.webhook_deliveries import RememberedAnswer
from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from tests.e2e.ledger_support import (
    FEATURE,
    a_change,
    bot_messages,
    iso,
    ledger,
    now,
    open_incident,
    signed,
)
from tests.e2e.test_change_webhooks import a_prompt_event
from tests.rig import OpenRig, sqlite_file_url

INCIDENTS = "/api/v1/incidents"
CHANGES = "/api/v1/changes"
LANGFUSE = "/api/v1/webhooks/langfuse"
LANGFUSE_SECRET = "lf-whsec-test-not-a-real-one"


def _json(data: object) -> bytes:
    return json.dumps(data).encode()


async def _deliver(
    rig: Rehearsal, path: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    return await rig.http.post(path, content=body, headers=headers)


def _incident_channels(rig: Rehearsal) -> list[str]:
    return [c.name for c in rig.emulator.channels if c.name.startswith("aiinc-")]


async def test_a_replayed_signed_incident_opens_one_incident_and_answers_the_same(
    api_rig: Rehearsal,
) -> None:
    body = _json({"title": "Drift alarm: citation precision under 0.9", "ai_feature": FEATURE})
    headers = signed(body, delivery_id="msg_open_1")

    first = await _deliver(api_rig, INCIDENTS, body, headers)
    replay = await _deliver(api_rig, INCIDENTS, body, headers)
    await api_rig.slack.settle()

    assert first.status_code == replay.status_code == 201
    assert replay.content == first.content
    assert replay.headers["webhook-replayed"] == "true"
    assert len(await api_rig.runtime.deps.incidents.list_open()) == 1
    assert len(_incident_channels(api_rig)) == 1


async def test_a_replayed_change_batch_changes_nothing_and_gets_the_first_answer(
    api_rig: Rehearsal,
) -> None:
    incident = await open_incident(api_rig)
    assert incident.channel_id
    body = _json({"changes": [a_change("sha-live", occurred_at=iso(now()))]})
    headers = signed(body, delivery_id="msg_batch_1")

    first = await _deliver(api_rig, CHANGES, body, headers)
    replay = await _deliver(api_rig, CHANGES, body, headers)
    await api_rig.slack.settle()

    assert first.status_code == replay.status_code == 200
    assert replay.content == first.content
    assert [c.external_id for c in await ledger(api_rig)] == ["sha-live"]
    assert len(bot_messages(api_rig, incident.channel_id, "New in the change ledger")) == 1


async def test_a_refused_delivery_is_refused_the_same_way_when_replayed(
    api_rig: Rehearsal,
) -> None:
    body = _json({"changes": [a_change("bad", kind="vibes")]})
    headers = signed(body, delivery_id="msg_bad_1")

    first = await _deliver(api_rig, CHANGES, body, headers)
    replay = await _deliver(api_rig, CHANGES, body, headers)

    assert first.status_code == replay.status_code == 422
    assert replay.content == first.content
    assert await ledger(api_rig) == []


async def test_a_delivery_id_reused_for_another_body_is_refused_and_stores_nothing(
    api_rig: Rehearsal,
) -> None:
    body = _json(a_change("sha-1"))
    other = _json(a_change("sha-2"))
    await _deliver(api_rig, CHANGES, body, signed(body, delivery_id="msg_same"))

    reused = await _deliver(api_rig, CHANGES, other, signed(other, delivery_id="msg_same"))

    assert reused.status_code == 409
    assert "webhook-id" in reused.json()["error"]
    assert [c.external_id for c in await ledger(api_rig)] == ["sha-1"]


@pytest.mark.allows_unhandled_errors
async def test_a_crash_before_the_answer_is_remembered_does_not_open_a_second_incident(
    api_rig: Rehearsal, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliveries = api_rig.runtime.deps.deliveries
    remember = deliveries.remember
    crashes = [RuntimeError("the process died here")]

    async def crash_once(delivery_id: str, answer: RememberedAnswer) -> RememberedAnswer:
        if crashes:
            raise crashes.pop()
        return await remember(delivery_id, answer)

    monkeypatch.setattr(deliveries, "remember", crash_once)
    body = _json({"title": "Refusals on chest-pain queries", "ai_feature": "triage-assistant"})
    headers = signed(body, delivery_id="msg_crash_1")

    crashed = await _deliver(api_rig, INCIDENTS, body, headers)
    retry = await _deliver(api_rig, INCIDENTS, body, headers)
    replay = await _deliver(api_rig, INCIDENTS, body, headers)
    await api_rig.slack.settle()

    assert crashed.status_code == 500
    assert retry.status_code == 200  # the incident the crashed delivery opened
    assert replay.content == retry.content
    [incident] = await api_rig.runtime.deps.incidents.list_open()
    assert retry.json()["number"] == incident.number
    assert len(_incident_channels(api_rig)) == 1


# -- Langfuse, signed with its own secret ------------------------------------------------------


def langfuse_signature(body: bytes, at: datetime, secret: str = LANGFUSE_SECRET) -> str:
    stamp = str(int(at.timestamp()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


@pytest.fixture
async def langfuse_rig(tmp_path: Path, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    """The app with only AI_INCIDENT_LANGFUSE_WEBHOOK_SECRET set: no API token, no secret."""
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=SlackEmulator(),
        langfuse_webhook_secret=LANGFUSE_SECRET,
    ) as running:
        yield running


async def _post_langfuse(rig: Rehearsal, event: dict[str, Any], signature: str) -> httpx.Response:
    body = _json(event)
    return await rig.http.post(
        LANGFUSE,
        content=body,
        headers={"x-langfuse-signature": signature, "Content-Type": "application/json"},
    )


async def test_a_langfuse_delivery_signed_with_its_secret_needs_no_token_and_replays_do_nothing(
    langfuse_rig: Rehearsal,
) -> None:
    event = a_prompt_event("evt-1", 4, ["production"])
    signature = langfuse_signature(_json(event), now())

    first = await _post_langfuse(langfuse_rig, event, signature)
    replay = await _post_langfuse(langfuse_rig, event, signature)

    assert first.status_code == replay.status_code == 200
    assert first.json()["recorded"] is True
    assert replay.content == first.content
    assert [c.external_id for c in await ledger(langfuse_rig)] == ["evt-1"]


@pytest.mark.parametrize(
    ("case", "signature"),
    [
        ("another secret", lambda body: langfuse_signature(body, now(), "not-the-secret")),
        ("ten minutes old", lambda body: langfuse_signature(body, now() - timedelta(minutes=10))),
        ("a tampered body", lambda body: langfuse_signature(body + b" ", now())),
        ("no v1", lambda body: langfuse_signature(body, now()).split(",")[0]),
    ],
)
async def test_a_langfuse_delivery_with_a_wrong_or_stale_signature_is_401(
    langfuse_rig: Rehearsal, case: str, signature: Any
) -> None:
    event = a_prompt_event("evt-1", 4, ["production"])

    response = await _post_langfuse(langfuse_rig, event, signature(_json(event)))

    assert response.status_code == 401, case
    assert "x-langfuse-signature" in response.json()["error"]
    assert await ledger(langfuse_rig) == []


async def test_reads_stay_closed_to_a_langfuse_only_configuration(langfuse_rig: Rehearsal) -> None:
    assert (await langfuse_rig.http.get(CHANGES)).status_code == 503
