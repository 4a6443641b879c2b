"""Alertmanager notifications: an alert group labelled for it opens one incident, as the modal
would; its alerts land once on the timelines of the incidents they concern; a redelivery adds
nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core.incidents.model import Severity
from bot.core.timeline import TimelineKind
from tests.core.assembly import FEATURE, Core

GROUP = '{}/{ai_incident="open"}:{alertname="CitationFailures"}'


def notification(core: Core, status: str = "firing", **labels: str) -> dict[str, Any]:
    started = core.clock.now() - timedelta(minutes=20)
    alert = {
        "status": status,
        "labels": {"alertname": "CitationFailures", "ai_feature": FEATURE, **labels},
        "annotations": {"summary": "citations that resolve to nothing"},
        "startsAt": started.isoformat(),
        "endsAt": core.clock.now().isoformat() if status == "resolved" else "0001-01-01T00:00:00Z",
        "generatorURL": "https://prometheus.example.com/graph",
        "fingerprint": "feedface00000001",
    }
    return {
        "version": "4",
        "groupKey": GROUP,
        "status": status,
        "receiver": "ai-incident",
        "groupLabels": {"alertname": "CitationFailures"},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "https://alertmanager.example.com",
        "truncatedAlerts": 0,
        "alerts": [alert],
    }


async def test_an_alert_group_asking_for_an_incident_opens_one_with_its_first_alarm() -> None:
    core = Core()
    asking = notification(core, ai_incident="open", severity="critical")
    outcome = await core.webhooks.alertmanager(asking)
    assert outcome.opened and outcome.incident is not None and outcome.added == 1
    stored = core.storage.incident(outcome.incident.number or 0)
    assert stored.severity is Severity.S1 and stored.channel_id is not None
    assert stored.first_alarm_at == core.clock.now() - timedelta(minutes=20)
    assert len(core.slack.called("create_channel")) == 1
    [alerts] = core.change_slack.called("post_alerts")
    assert len(alerts["alerts"]) == 1


async def test_a_redelivered_group_opens_nothing_more_and_adds_nothing() -> None:
    core = Core()
    asking = notification(core, ai_incident="open")
    first = await core.webhooks.alertmanager(asking)
    core.change_slack.forget()
    again = await core.webhooks.alertmanager(asking)
    assert not again.opened and again.added == 0
    assert again.incident is not None and first.incident is not None
    assert again.incident.number == first.incident.number
    assert len(await core.incidents.list_open()) == 1
    assert core.change_slack.calls == []


async def test_the_resolve_joins_the_incident_its_group_opened() -> None:
    core = Core()
    await core.webhooks.alertmanager(notification(core, ai_incident="open"))
    resolved = await core.webhooks.alertmanager(notification(core, "resolved"))
    assert resolved.added == 1 and not resolved.opened
    alerts = [e for e in core.storage.timeline(1) if e.kind is TimelineKind.ALERT]
    assert [e.details["status"] for e in alerts] == ["firing", "resolved"]


async def test_an_alert_for_a_feature_lands_on_that_features_open_incident() -> None:
    core = Core()
    await core.declare()
    await core.declare("Another feature's incident", ai_feature="support-bot")
    outcome = await core.webhooks.alertmanager(notification(core))
    assert not outcome.opened and outcome.added == 1
    assert any(e.kind is TimelineKind.ALERT for e in core.storage.timeline(1))
    assert not any(e.kind is TimelineKind.ALERT for e in core.storage.timeline(2))
