"""`POST /api/v1/changes` and `GET /api/v1/changes`, over HTTP against the running app."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.core.timeline import Axis, TimelineKind
from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from tests.e2e.ledger_support import (
    BEARER,
    FEATURE,
    a_change,
    bot_messages,
    iso,
    ledger,
    now,
    open_incident,
    post_bearer,
    post_signed,
    signed,
    timeline,
)
from tests.rig import API_TOKEN, WEBHOOK_SECRET, OpenRig

OTHER_SECRET = "whsec_" + base64.b64encode(b"another-secret-of-thirty-two-byte").decode()

CHANGES = "/api/v1/changes"


async def test_a_signed_batch_is_recorded_and_its_retry_answers_the_same_and_stores_nothing(
    api_rig: Rehearsal,
) -> None:
    batch = {
        "changes": [
            a_change("sha-1"),
            a_change(
                "corpus-2025-10",
                source="index-pipeline",
                kind="index",
                occurred_at=iso(now() - timedelta(days=42)),
                before=None,
                after=None,
                summary="14,000 new court filings; embedding model not retrained",
                attributes={"corpus.documents_added": 14000, "embedding.retrained": False},
            ),
            a_change("prompt-v4", kind="PROMPT", before="v3", after=4),
        ]
    }
    first = await post_signed(api_rig, CHANGES, batch)
    retry = await post_signed(api_rig, CHANGES, batch)

    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    answered = first.json()["changes"]
    assert [c["external_id"] for c in answered] == ["sha-1", "corpus-2025-10", "prompt-v4"]
    assert [c["axis"] for c in answered] == ["model", "data", "prompt"]
    assert answered[2]["kind"] == "prompt" and answered[2]["after"] == "4"
    assert all(isinstance(c["id"], int) for c in answered)

    stored = await ledger(api_rig)
    assert sorted(c.external_id for c in stored) == ["corpus-2025-10", "prompt-v4", "sha-1"]
    [corpus] = [c for c in stored if c.source == "index-pipeline"]
    assert corpus.attributes == {"corpus.documents_added": 14000, "embedding.retrained": False}


async def test_the_bearer_token_may_post_too_and_a_single_change_needs_no_batch(
    api_rig: Rehearsal,
) -> None:
    response = await post_bearer(api_rig, CHANGES, a_change("sha-1"))
    assert response.status_code == 200
    assert [c["external_id"] for c in response.json()["changes"]] == ["sha-1"]


def _without(headers: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key != name}


def _wrong_credentials() -> list[tuple[str, dict[str, str] | None]]:
    body = json.dumps(a_change("sha-1")).encode()
    good = signed(body)
    return [
        ("no credentials", {"Content-Type": "application/json"}),
        ("signed with another secret", signed(body, secret=OTHER_SECRET)),
        ("a tampered body (signature of other bytes)", signed(body + b" ")),
        ("signed ten minutes ago", signed(body, at=now() - timedelta(minutes=10))),
        ("signed ten minutes ahead", signed(body, at=now() + timedelta(minutes=10))),
        ("the signature moved to another id", {**good, "webhook-id": "msg_other"}),
        ("not a v1 signature", {**good, "webhook-signature": good["webhook-signature"][2:]}),
        ("a signature that is not base64", {**good, "webhook-signature": "v1,%%%"}),
        ("no webhook-id", _without(good, "webhook-id")),
        ("a timestamp that is no number", {**good, "webhook-timestamp": "soon"}),
        ("wrong bearer", {"Authorization": "Bearer not-the-token"}),
        ("basic auth", {"Authorization": "Basic dXNlcjpwYXNz"}),
    ]


@pytest.mark.parametrize(("case", "headers"), _wrong_credentials())
async def test_no_or_wrong_credentials_get_401_and_nothing_is_stored(
    api_rig: Rehearsal, case: str, headers: dict[str, str]
) -> None:
    body = json.dumps(a_change("sha-1")).encode()
    response = await api_rig.http.post(CHANGES, content=body, headers=headers)

    assert response.status_code == 401, case
    assert response.headers["www-authenticate"] == "Bearer"
    assert API_TOKEN not in response.text and WEBHOOK_SECRET not in response.text
    assert await ledger(api_rig) == []


async def test_a_malformed_batch_is_422_naming_each_field_and_nothing_of_it_is_stored(
    api_rig: Rehearsal,
) -> None:
    batch = {
        "changes": [
            a_change("fine"),
            a_change("bad-kind", kind="vibes"),
            a_change("no-zone", occurred_at="2025-06-03T10:00:00"),
            a_change("misspelt", occured_at=iso(now())),
        ]
    }
    response = await post_signed(api_rig, CHANGES, batch)

    assert response.status_code == 422
    fields = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert set(fields) == {"changes.1.kind", "changes.2.occurred_at", "changes.3.occured_at"}
    assert "needs a zone" in fields["changes.2.occurred_at"]
    assert "vibes" not in response.text  # the reasons never echo what was sent
    assert await ledger(api_rig) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [(b"{not json", "body"), (b"", "body"), (b"[1, 2]", "body"), (b'{"changes": []}', "changes")],
)
async def test_a_body_that_is_no_change_at_all_is_422(
    api_rig: Rehearsal, body: bytes, field: str
) -> None:
    response = await api_rig.http.post(CHANGES, content=body, headers=signed(body))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_the_ledger_lists_by_window_service_and_kind_with_the_bearer_token(
    api_rig: Rehearsal,
) -> None:
    await post_signed(
        api_rig,
        CHANGES,
        {
            "changes": [
                a_change("model-recent"),
                a_change(
                    "prompt-recent",
                    kind="prompt",
                    service="Triage-Assistant",
                    occurred_at=iso(now() - timedelta(days=1)),
                ),
                a_change("model-old", occurred_at=iso(now() - timedelta(days=30))),
            ]
        },
    )

    default = await api_rig.http.get(CHANGES, headers=BEARER)
    wide = await api_rig.http.get(
        CHANGES,
        params={"since": iso(now() - timedelta(days=60)), "kind": "model"},
        headers=BEARER,
    )
    by_service = await api_rig.http.get(
        CHANGES, params={"service": "triage-assistant"}, headers=BEARER
    )
    limited = await api_rig.http.get(CHANGES, params={"limit": "1"}, headers=BEARER)

    # The last 7 days by default, newest first.
    assert [c["external_id"] for c in default.json()["changes"]] == [
        "prompt-recent",
        "model-recent",
    ]
    assert sorted(c["external_id"] for c in wide.json()["changes"]) == [
        "model-old",
        "model-recent",
    ]
    assert [c["external_id"] for c in by_service.json()["changes"]] == ["prompt-recent"]
    assert limited.json()["count"] == 1 and limited.json()["truncated"] is True


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "last tuesday"}, "since"),
        ({"until": "2025-06-03T10:00:00"}, "until"),
        ({"since": "2025-06-03T10:00:00Z", "until": "2025-06-01T10:00:00Z"}, "since"),
        ({"kind": "model,vibes"}, "kind"),
        ({"limit": "0"}, "limit"),
    ],
)
async def test_bad_query_parameters_are_named(
    api_rig: Rehearsal, params: dict[str, str], field: str
) -> None:
    response = await api_rig.http.get(CHANGES, params=params, headers=BEARER)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_reading_the_ledger_needs_the_bearer_token_not_a_signature(
    api_rig: Rehearsal,
) -> None:
    assert (await api_rig.http.get(CHANGES)).status_code == 401
    assert (await api_rig.http.get(CHANGES, headers=signed(b""))).status_code == 401


async def test_with_no_token_or_secret_set_the_api_is_closed_and_says_which_setting(
    rig: Rehearsal,
) -> None:
    body = json.dumps(a_change("sha-1")).encode()
    posted = await rig.http.post(CHANGES, content=body, headers=signed(body))
    listed = await rig.http.get(CHANGES, headers=BEARER)

    assert posted.status_code == listed.status_code == 503
    assert "AI_INCIDENT_WEBHOOK_SECRET" in posted.json()["error"]
    assert "AI_INCIDENT_API_TOKEN" in listed.json()["error"]
    assert await ledger(rig) == []


async def test_a_live_change_reaches_the_channel_and_timeline_of_the_incident_it_concerns(
    api_rig: Rehearsal,
) -> None:
    incident = await open_incident(api_rig)
    other = await open_incident(api_rig, title="Triage refusals", ai_feature="triage-assistant")
    assert incident.channel_id and other.channel_id

    mine = {"changes": [a_change("sha-live", service=FEATURE.upper(), occurred_at=iso(now()))]}
    await post_signed(api_rig, CHANGES, mine)
    await post_signed(api_rig, CHANGES, mine)  # a retry reaches nobody twice
    await post_signed(api_rig, CHANGES, a_change("theirs", service="summarizer"))
    await api_rig.slack.settle()

    [posted] = bot_messages(api_rig, incident.channel_id, "New in the change ledger")
    assert "gpt-4o-2024-08-06 → gpt-4o-2024-11-20" in posted
    assert not bot_messages(api_rig, other.channel_id, "New in the change ledger")
    changes_on_timeline = [e for e in await timeline(api_rig, incident) if e.axis is not None]
    assert [(e.kind, e.axis, e.dedupe_key) for e in changes_on_timeline] == [
        (TimelineKind.MODEL_CHANGE, Axis.MODEL, "change:github-actions:sha-live")
    ]
    assert changes_on_timeline[0].permalink == "https://github.com/acme/legal-rag/commit/sha-live"


async def test_a_provider_wide_change_reaches_every_open_incident(api_rig: Rehearsal) -> None:
    first = await open_incident(api_rig)
    second = await open_incident(api_rig, title="Triage refusals", ai_feature="triage-assistant")
    await post_signed(api_rig, CHANGES, a_change("provider-bump", service=None))
    await api_rig.slack.settle()
    for incident in (first, second):
        assert incident.channel_id
        assert bot_messages(api_rig, incident.channel_id, "New in the change ledger")


@pytest.fixture
async def backend_rig(database_url: str, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    """The API rig on each backend (SQLite and PostgreSQL)."""
    async with open_rig(
        database_url=database_url,
        emulator=SlackEmulator(),
        api_token=API_TOKEN,
        webhook_secret=WEBHOOK_SECRET,
    ) as running:
        yield running


async def test_two_deliveries_of_one_batch_racing_store_it_once_on_each_backend(
    backend_rig: Rehearsal,
) -> None:
    batch = {"changes": [a_change(f"sha-{n}") for n in range(20)]}
    first, second = await asyncio.gather(
        post_signed(backend_rig, CHANGES, batch), post_signed(backend_rig, CHANGES, batch)
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert len(await ledger(backend_rig)) == 20


async def test_a_repeat_inside_a_batch_is_422_and_across_batches_answers_the_first_version(
    backend_rig: Rehearsal,
) -> None:
    incident = await open_incident(backend_rig)
    inside = await post_signed(
        backend_rig,
        CHANGES,
        {"changes": [a_change("sha-b"), a_change("sha-a"), a_change("sha-b", summary="again")]},
    )
    first = await post_signed(
        backend_rig, CHANGES, {"changes": [a_change("sha-b"), a_change("sha-a")]}
    )
    second = await post_bearer(
        backend_rig,
        CHANGES,
        {"changes": [a_change("sha-c"), a_change("sha-a", summary="late"), a_change("sha-b")]},
    )
    await backend_rig.slack.settle()

    assert inside.status_code == 422
    assert inside.json()["errors"] == [
        {
            "field": "changes.2.external_id",
            "reason": "repeats changes.0 (same source and external_id)",
        }
    ]
    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    b, a = first.json()["changes"]
    c, a_again, b_again = second.json()["changes"]
    assert a_again == a and b_again == b and a["summary"] == "pin the new snapshot"
    assert [x["external_id"] for x in (b, a, c)] == ["sha-b", "sha-a", "sha-c"]
    assert a["id"] < b["id"] < c["id"]  # a batch is stored in key order
    assert sorted(change.external_id for change in await ledger(backend_rig)) == [
        "sha-a",
        "sha-b",
        "sha-c",
    ]
    # Each new change reached the incident's timeline once, the repeats never.
    keys = [e.dedupe_key or "" for e in await timeline(backend_rig, incident) if e.axis is not None]
    assert sorted(keys) == [f"change:github-actions:sha-{x}" for x in "abc"]
