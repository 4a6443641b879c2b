"""The Alertmanager and Langfuse webhooks, over HTTP against the running app and the sandbox."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from bot.core.incidents.model import Category, HowDetected, Severity
from bot.core.timeline import TimelineKind
from bot.demo.rehearsal import Rehearsal
from tests.e2e.ledger_support import (
    BEARER,
    bot_messages,
    iso,
    ledger,
    now,
    open_incident,
    post_bearer,
    post_signed,
    timeline,
)

ALERTMANAGER = "/api/v1/webhooks/alertmanager"
LANGFUSE = "/api/v1/webhooks/langfuse"
TRIAGE = "triage-assistant"


def an_alert(status: str = "firing", **labels: str) -> dict[str, Any]:
    started = now() - timedelta(minutes=30)
    return {
        "status": status,
        "labels": {"alertname": "RefusalRateDrop", "ai_feature": TRIAGE, **labels},
        "annotations": {"summary": "refusals on chest-pain queries under 95%"},
        "startsAt": iso(started),
        "endsAt": iso(now()) if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "https://prometheus.example.com/graph?g0.expr=refusal_rate",
        "fingerprint": "c0ffee0123456789",
    }


def a_notification(*alerts: dict[str, Any], group: str = '{}:{alertname="X"}') -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": group,
        "status": alerts[0]["status"],
        "receiver": "ai-incident",
        "groupLabels": {"alertname": "RefusalRateDrop"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "https://alertmanager.example.com",
        "truncatedAlerts": 0,
        "alerts": list(alerts),
    }


def resolved(alert: dict[str, Any]) -> dict[str, Any]:
    done = copy.deepcopy(alert)
    done["status"] = "resolved"
    done["endsAt"] = iso(now())
    return done


async def test_a_firing_then_resolved_alert_lands_twice_on_the_timeline_and_in_the_channel(
    api_rig: Rehearsal,
) -> None:
    incident = await open_incident(api_rig, title="Triage refusals", ai_feature=TRIAGE)
    assert incident.channel_id
    firing = an_alert()

    first = await post_bearer(api_rig, ALERTMANAGER, a_notification(firing))
    again = await post_bearer(api_rig, ALERTMANAGER, a_notification(firing))  # group_interval
    done = await post_bearer(api_rig, ALERTMANAGER, a_notification(resolved(firing)))
    await api_rig.slack.settle()

    assert [r.json()["timeline_events_added"] for r in (first, again, done)] == [1, 0, 1]
    alerts = [e for e in await timeline(api_rig, incident) if e.kind is TimelineKind.ALERT]
    assert [e.details["status"] for e in alerts] == ["firing", "resolved"]
    assert alerts[0].summary.startswith("firing: RefusalRateDrop")
    assert alerts[0].permalink == "https://prometheus.example.com/graph?g0.expr=refusal_rate"
    assert len(bot_messages(api_rig, incident.channel_id, "firing: RefusalRateDrop")) == 1
    assert len(bot_messages(api_rig, incident.channel_id, "resolved: RefusalRateDrop")) == 1


async def test_an_alert_labelled_for_an_incident_opens_one_per_group_like_the_modal(
    api_rig: Rehearsal,
) -> None:
    asking = an_alert(ai_incident="open", severity="critical")
    group = '{}/{ai_incident="open"}:{alertname="RefusalRateDrop"}'

    first = await post_signed(api_rig, ALERTMANAGER, a_notification(asking, group=group))
    again = await post_signed(api_rig, ALERTMANAGER, a_notification(asking, group=group))
    done = await post_signed(api_rig, ALERTMANAGER, a_notification(resolved(asking), group=group))
    await api_rig.slack.settle()

    assert first.status_code == again.status_code == done.status_code == 200
    assert (first.json()["opened"], again.json()["opened"]) == (True, False)
    number = first.json()["incident"]["number"]
    assert again.json()["incident"]["number"] == done.json()["incident"]["number"] == number
    [incident] = await api_rig.runtime.deps.incidents.list_open()
    assert incident.number == number
    assert incident.category is Category.SILENT_DRIFT
    assert incident.severity is Severity.S1
    assert incident.how_detected is HowDetected.DASHBOARD_ALERT
    assert incident.ai_feature == TRIAGE
    assert incident.first_alarm_at is not None
    assert incident.title == "RefusalRateDrop: refusals on chest-pain queries under 95%"
    # Exactly as the modal: one channel, the pinned card, the announcement, the digest.
    channels = [c for c in api_rig.emulator.channels if c.name.startswith("aiinc-")]
    assert [c.id for c in channels] == [incident.channel_id]
    assert len(api_rig.emulator.pins(incident.channel_id or "")) == 1
    announce = api_rig.emulator.channel_by_name("ai-incidents")
    assert announce is not None and len(api_rig.emulator.messages(announce.id)) == 1
    assert bot_messages(api_rig, incident.channel_id or "", f"What changed before #{number}")
    alerts = [e for e in await timeline(api_rig, number) if e.kind is TimelineKind.ALERT]
    assert [e.details["status"] for e in alerts] == ["firing", "resolved"]


async def test_a_malformed_or_unauthenticated_notification_is_refused(api_rig: Rehearsal) -> None:
    not_v4 = a_notification(an_alert())
    not_v4["version"] = "3"
    unsigned = await api_rig.http.post(ALERTMANAGER, json=a_notification(an_alert()))
    malformed = await post_bearer(api_rig, ALERTMANAGER, not_v4)

    assert unsigned.status_code == 401
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "version"
    assert await api_rig.runtime.deps.incidents.list_open() == []


def a_prompt_event(
    event_id: str, version: int, labels: list[str], **overrides: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": event_id,
        "timestamp": iso(now() - timedelta(hours=1)),
        "type": "prompt-version",
        "apiVersion": "v1",
        "action": "updated",
        "prompt": {
            "id": f"prompt-{version}",
            "name": "legal-research-system",
            "version": version,
            "projectId": "proj_789",
            "labels": labels,
            "commitMessage": f"version {version}",
            "tags": ["ai_feature:legal-research-rag"],
        },
    }
    event.update(overrides)
    return event


async def test_a_langfuse_label_move_is_a_prompt_change_with_the_version_it_left(
    api_rig: Rehearsal,
) -> None:
    incident = await open_incident(api_rig)  # follows legal-research-rag
    assert incident.channel_id
    created = a_prompt_event(
        "evt-1", 3, ["production"], action="created", timestamp=iso(now() - timedelta(days=3))
    )
    moved = a_prompt_event("evt-2", 4, ["production", "latest"])
    left = a_prompt_event("evt-3", 3, ["staging"])
    url = f"{LANGFUSE}?langfuse_url=https://cloud.langfuse.com"

    answers = [
        (await post_bearer(api_rig, url, event)).json() for event in (created, moved, left, moved)
    ]
    await api_rig.slack.settle()

    assert [a["recorded"] for a in answers] == [True, True, False, True]
    assert answers[3] == answers[1]  # a retried delivery answers as the first did
    assert "does not carry production" in answers[2]["reason"]
    change = answers[1]["change"]
    assert (change["kind"], change["axis"]) == ("prompt", "prompt")
    assert (change["before"], change["after"]) == ("v3", "v4")
    assert change["service"] == "legal-research-rag"
    assert change["url"] == (
        "https://cloud.langfuse.com/project/proj_789/prompts/legal-research-system"
    )
    assert len(await ledger(api_rig)) == 2
    # The move happened while the incident was open: its channel hears of it.
    assert bot_messages(api_rig, incident.channel_id, "prompt: v3 → v4")


async def test_langfuse_events_that_move_no_label_are_acknowledged_with_the_reason(
    api_rig: Rehearsal,
) -> None:
    response = await api_rig.http.post(LANGFUSE, json={"type": "trace", "id": "x"}, headers=BEARER)
    assert response.status_code == 200
    assert response.json()["recorded"] is False
    assert "not a prompt-version event" in response.json()["reason"]
    assert await ledger(api_rig) == []
