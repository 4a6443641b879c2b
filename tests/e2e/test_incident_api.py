"""`POST /api/v1/incidents` opens an incident as the modal does; the read API shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.incidents.model import Category, HowDetected, Severity
from bot.core.timeline import TimelineKind
from bot.demo.rehearsal import Rehearsal
from tests.e2e.ledger_support import BEARER, FEATURE, a_change, iso, now, post_bearer, post_signed

INCIDENTS = "/api/v1/incidents"


async def test_an_incident_opened_through_the_api_gets_what_the_modal_gives(
    api_rig: Rehearsal,
) -> None:
    await post_signed(api_rig, "/api/v1/changes", a_change("sha-1"))
    response = await post_bearer(
        api_rig,
        INCIDENTS,
        {
            "title": "Drift alarm: citation precision under 0.9",
            "ai_feature": FEATURE,
            "regression_started_at": iso(now() - timedelta(hours=6)),
            "description": "citation precision 0.71 on the nightly eval",
        },
    )
    await api_rig.slack.settle()

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/v1/incidents/{body['number']}"
    # The answer is the stored incident; its channel follows once Slack has made it.
    assert "declare_key" not in body
    shown = await api_rig.http.get(response.headers["location"], headers=BEARER)
    assert (
        shown.json()["channel_name"]
        == f"aiinc-{body['number']}-drift-alarm-citation-precision-under-0-9"
    )
    incident = await api_rig.runtime.deps.incidents.get(body["number"])
    assert incident.category is Category.SILENT_DRIFT  # the default for automation
    assert incident.severity is Severity.S2
    assert incident.how_detected is HowDetected.DASHBOARD_ALERT
    assert incident.channel_id == shown.json()["channel_id"]
    assert [m.ts for m in api_rig.emulator.pins(incident.channel_id or "")] == [incident.card_ts]
    announce = api_rig.emulator.channel_by_name("ai-incidents")
    assert announce is not None
    assert f"<#{incident.channel_id}>" in api_rig.emulator.messages(announce.id)[0].text
    events = await api_rig.runtime.deps.incidents.timeline(incident.number or 0)
    steps = [e.details.get("event") for e in events if e.kind is TimelineKind.STATUS]
    assert steps[:3] == ["declared", "channel_created", "card_posted"]
    digest = [
        m for m in api_rig.emulator.messages(incident.channel_id or "") if "What changed" in m.text
    ]
    assert len(digest) == 1 and "gpt-4o-2024-11-20" in str(digest[0].blocks)


def declared(body: dict[str, object]) -> dict[str, object]:
    """What a declaration answers, without what the projector adds after it (channel, card)."""
    return {k: v for k, v in body.items() if k not in ("channel_id", "channel_name", "card_ts")}


async def test_a_retry_with_the_same_idempotency_key_returns_the_first_incident(
    api_rig: Rehearsal,
) -> None:
    request = {"title": "Refusal spike", "severity": "s1", "category": "user_visible_regression"}
    first = await post_bearer(api_rig, INCIDENTS, request, {"Idempotency-Key": "alarm-42"})
    retry = await post_bearer(api_rig, INCIDENTS, request, {"Idempotency-Key": "alarm-42"})
    in_body = await post_bearer(api_rig, INCIDENTS, {**request, "idempotency_key": "alarm-42"})
    other = await post_bearer(api_rig, INCIDENTS, request, {"Idempotency-Key": "alarm-43"})
    await api_rig.slack.settle()

    assert (first.status_code, retry.status_code, in_body.status_code) == (201, 200, 200)
    # The same incident each time (its channel may have appeared between the answers).
    assert declared(first.json()) == declared(retry.json()) == declared(in_body.json())
    assert first.json()["severity"] == "S1"
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]
    assert len([c for c in api_rig.emulator.channels if c.name.startswith("aiinc-")]) == 2


@pytest.mark.parametrize(
    ("request_body", "headers", "field"),
    [
        ({"severity": "S1"}, {}, "title"),
        ({"title": "x", "severity": "S9"}, {}, "severity"),
        ({"title": "x", "regression_started_at": "yesterday"}, {}, "regression_started_at"),
        ({"title": "x", "runbook": "no-such-runbook"}, {}, "runbook"),
        ({"title": "x", "owner": "bob"}, {}, "owner"),
        ({"title": "x", "idempotency_key": "a"}, {"Idempotency-Key": "b"}, "idempotency_key"),
    ],
)
async def test_bad_requests_are_422_naming_the_field_and_open_nothing(
    api_rig: Rehearsal, request_body: dict[str, str], headers: dict[str, str], field: str
) -> None:
    response = await post_bearer(api_rig, INCIDENTS, request_body, headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert await api_rig.runtime.deps.incidents.list_open() == []


async def test_a_regression_start_in_the_future_is_refused(api_rig: Rehearsal) -> None:
    future = iso(now() + timedelta(days=1))
    response = await post_bearer(
        api_rig, INCIDENTS, {"title": "x", "regression_started_at": future}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "regression_started_at", "reason": "the regression cannot start in the future"}
    ]


async def test_opening_needs_credentials(api_rig: Rehearsal) -> None:
    response = await api_rig.http.post(INCIDENTS, json={"title": "x"})
    assert response.status_code == 401
    assert await api_rig.runtime.deps.incidents.list_open() == []


async def test_the_read_api_lists_shows_and_gives_the_timeline(api_rig: Rehearsal) -> None:
    opened = (await post_bearer(api_rig, INCIDENTS, {"title": "Judge drift"})).json()
    await api_rig.slack.settle()
    number = opened["number"]

    listed = await api_rig.http.get(INCIDENTS, headers=BEARER)
    shown = await api_rig.http.get(f"{INCIDENTS}/{number}", headers=BEARER)
    events = await api_rig.http.get(f"{INCIDENTS}/{number}/timeline", headers=BEARER)
    missing = await api_rig.http.get(f"{INCIDENTS}/999/timeline", headers=BEARER)
    anonymous = await api_rig.http.get(f"{INCIDENTS}/{number}")

    assert [i["number"] for i in listed.json()["incidents"]] == [number]
    assert shown.json()["title"] == "Judge drift"
    assert events.json()["incident"] == number
    assert events.json()["events"][0]["summary"].startswith("Incident declared: Judge drift")
    assert missing.status_code == 404 and "no incident #999" in missing.json()["error"]
    assert anonymous.status_code == 401
