"""Alertmanager and Langfuse webhooks, read onto the ledger and the timeline.

Alertmanager re-sends a group every few minutes: an alert must land once per firing and once
when it resolves, and an alert group asking for an incident must open exactly one. Langfuse
sends two events when a label moves: only the one where `production` arrives is a change.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from bot.core.changes.alertmanager import AlertStatus, alertmanager_intake
from bot.core.changes.langfuse import langfuse_prompt_change, verify_langfuse_signature
from bot.core.changes.model import ChangeKind, change_headline
from bot.core.forms import validation_errors
from bot.core.incidents.model import Category, HowDetected, Severity
from bot.core.timeline import TimelineKind

FIRED = "2024-11-20T12:00:00Z"
RESOLVED = "2024-11-20T13:30:00Z"
GROUP = '{}/{ai_incident="open"}:{alertname="RefusalRateDrop"}'


def an_alert(**overrides: Any) -> dict[str, Any]:
    alert: dict[str, Any] = {
        "status": "firing",
        "labels": {
            "alertname": "RefusalRateDrop",
            "ai_feature": "triage-assistant",
            "severity": "critical",
        },
        "annotations": {
            "summary": "refusals on chest-pain queries under 95%",
            "description": "refusal rate 4.8% vs baseline 100% over 30 min",
        },
        "startsAt": FIRED,
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "https://prometheus.example.com/graph?g0.expr=refusal_rate",
        "fingerprint": "c0ffee0123456789",
    }
    alert.update(overrides)
    return alert


def a_notification(*alerts: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "version": "4",
        "groupKey": GROUP,
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "ai-incident",
        "groupLabels": {"alertname": "RefusalRateDrop"},
        "commonLabels": {"alertname": "RefusalRateDrop"},
        "commonAnnotations": {},
        "externalURL": "https://alertmanager.example.com",
        "alerts": list(alerts) or [an_alert()],
    }
    payload.update(overrides)
    return payload


def with_labels(alert: dict[str, Any], **labels: str) -> dict[str, Any]:
    alert = copy.deepcopy(alert)
    alert["labels"].update(labels)
    return alert


# --- Alertmanager: alerts ---------------------------------------------------------------------


def test_a_firing_then_resolved_alert_gives_two_distinct_timeline_lines() -> None:
    firing = alertmanager_intake(a_notification()).alerts
    resolved = alertmanager_intake(
        a_notification(an_alert(status="resolved", endsAt=RESOLVED), status="resolved")
    ).alerts

    [fired], [ended] = firing, resolved
    assert fired.status is AlertStatus.FIRING
    assert fired.ends_at is None  # Alertmanager's zero time means "still firing"
    assert ended.status is AlertStatus.RESOLVED
    assert fired.dedupe_key != ended.dedupe_key

    fired_event = fired.to_timeline_event(incident_number=7, recorded_at=datetime.now(UTC))
    ended_event = ended.to_timeline_event(incident_number=7, recorded_at=datetime.now(UTC))
    assert fired_event.kind is TimelineKind.ALERT
    assert fired_event.axis is None
    assert fired_event.occurred_at == datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
    assert ended_event.occurred_at == datetime(2024, 11, 20, 13, 30, tzinfo=UTC)
    assert fired_event.summary == (
        "firing: RefusalRateDrop — refusals on chest-pain queries under 95% (triage-assistant)"
    )
    assert ended_event.summary.startswith("resolved: RefusalRateDrop")
    assert fired_event.permalink == "https://prometheus.example.com/graph?g0.expr=refusal_rate"


def test_a_re_sent_notification_yields_the_same_dedupe_keys() -> None:
    first = alertmanager_intake(a_notification()).alerts
    again = alertmanager_intake(a_notification()).alerts
    assert [a.dedupe_key for a in first] == [a.dedupe_key for a in again]


def test_the_same_alert_firing_again_later_is_a_new_line() -> None:
    earlier = alertmanager_intake(a_notification()).alerts[0]
    later = alertmanager_intake(a_notification(an_alert(startsAt="2024-11-22T08:00:00Z")))
    assert later.alerts[0].dedupe_key != earlier.dedupe_key


def test_an_alert_repeated_within_one_notification_is_kept_once() -> None:
    intake = alertmanager_intake(a_notification(an_alert(), an_alert()))
    assert len(intake.alerts) == 1


def test_alerts_cut_by_max_alerts_are_reported() -> None:
    assert alertmanager_intake(a_notification(truncatedAlerts=12)).truncated_alerts == 12


# --- Alertmanager: opening an incident --------------------------------------------------------


def test_an_alert_labelled_for_an_incident_asks_for_one() -> None:
    alert = with_labels(an_alert(), ai_incident="open")
    request = alertmanager_intake(a_notification(alert)).open_request

    assert request is not None
    assert request.title == "RefusalRateDrop: refusals on chest-pain queries under 95%"
    assert request.severity is Severity.S1
    assert request.category is Category.SILENT_DRIFT
    assert request.ai_feature == "triage-assistant"
    assert request.regression_started_at == datetime(2024, 11, 20, 12, 0, tzinfo=UTC)
    assert "https://prometheus.example.com/graph" in request.description

    declare = request.to_declare_input()
    assert declare.how_detected is HowDetected.DASHBOARD_ALERT
    assert declare.idempotency_key == request.idempotency_key


def test_one_alert_group_asks_for_one_incident_however_often_it_is_sent() -> None:
    alert = with_labels(an_alert(), ai_incident="open")
    first = alertmanager_intake(a_notification(alert)).open_request
    resent = alertmanager_intake(
        a_notification(alert, with_labels(an_alert(fingerprint="beef"), ai_incident="open"))
    ).open_request
    other_group = alertmanager_intake(a_notification(alert, groupKey="{}:{x}")).open_request

    assert first is not None and resent is not None and other_group is not None
    assert first.idempotency_key == resent.idempotency_key
    assert first.idempotency_key != other_group.idempotency_key


def test_the_group_opens_at_its_most_severe_alert_and_its_earliest_start() -> None:
    warning = with_labels(
        an_alert(fingerprint="a", startsAt="2024-11-20T11:00:00Z"),
        ai_incident="open",
        severity="warning",
    )
    sev2 = with_labels(an_alert(fingerprint="b"), ai_incident="open", severity="S2")

    request = alertmanager_intake(a_notification(sev2, warning)).open_request

    assert request is not None
    assert request.severity is Severity.S2
    assert request.regression_started_at == datetime(2024, 11, 20, 11, 0, tzinfo=UTC)


def test_an_unknown_severity_or_category_opens_anyway_and_says_so() -> None:
    alert = with_labels(
        an_alert(), ai_incident="open", severity="spicy", ai_incident_category="nope"
    )
    request = alertmanager_intake(a_notification(alert)).open_request

    assert request is not None
    assert request.severity is Severity.S2
    assert request.category is Category.SILENT_DRIFT
    assert "'spicy'" in request.description
    assert "'nope'" in request.description


def test_the_category_label_is_honoured() -> None:
    alert = with_labels(
        an_alert(), ai_incident="open", ai_incident_category="user_visible_regression"
    )
    request = alertmanager_intake(a_notification(alert)).open_request
    assert request is not None
    assert request.category is Category.USER_VISIBLE_REGRESSION


def test_no_label_or_a_resolved_alert_asks_for_nothing() -> None:
    assert alertmanager_intake(a_notification()).open_request is None

    resolved = with_labels(an_alert(status="resolved", endsAt=RESOLVED), ai_incident="open")
    intake = alertmanager_intake(a_notification(resolved, status="resolved"))
    assert intake.open_request is None
    assert len(intake.alerts) == 1


def field_errors(payload: object) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        alertmanager_intake(payload)
    return {e["field"]: e["reason"] for e in validation_errors(caught.value)}


def test_a_payload_that_is_not_alertmanager_v4_names_the_field() -> None:
    assert set(field_errors(a_notification(version="3"))) == {"version"}

    broken = an_alert()
    del broken["startsAt"]
    assert set(field_errors(a_notification(an_alert(), broken))) == {"alerts.1.startsAt"}

    assert set(field_errors(a_notification(an_alert(status="pending")))) == {"alerts.0.status"}


# --- Langfuse ---------------------------------------------------------------------------------


def a_prompt_event(**overrides: Any) -> dict[str, Any]:
    prompt: dict[str, Any] = {
        "id": "prompt_abc123",
        "name": "legal-research-system",
        "version": 4,
        "projectId": "proj_789",
        "labels": ["production", "latest"],
        "prompt": "You are a legal research assistant…",
        "type": "text",
        "config": {},
        "commitMessage": "cite only retrieved cases",
        "tags": ["ai_feature:legal-research"],
        "createdAt": "2024-11-18T09:00:00Z",
        "updatedAt": "2024-11-19T10:30:00Z",
    }
    prompt.update(overrides.pop("prompt", {}))
    event: dict[str, Any] = {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "timestamp": "2024-11-19T10:30:00Z",
        "type": "prompt-version",
        "apiVersion": "v1",
        "action": "updated",
        "prompt": prompt,
    }
    event.update(overrides)
    return event


def test_production_landing_on_a_version_is_a_prompt_change() -> None:
    outcome = langfuse_prompt_change(
        a_prompt_event(),
        previous_version=3,
        langfuse_url="https://cloud.langfuse.com/",
    )

    change = outcome.change
    assert change is not None
    assert change.kind is ChangeKind.PROMPT
    assert change.source == "langfuse"
    assert change.external_id == "550e8400-e29b-41d4-a716-446655440000"
    assert change.occurred_at == datetime(2024, 11, 19, 10, 30, tzinfo=UTC)
    assert (change.before, change.after) == ("v3", "v4")
    assert change.service == "legal-research"
    assert change.attributes["prompt.name"] == "legal-research-system"
    assert change.attributes["prompt.label"] == "production"
    assert change.url == "https://cloud.langfuse.com/project/proj_789/prompts/legal-research-system"
    assert change_headline(change).startswith("prompt: v3 → v4 (legal-research)")


def test_a_new_version_created_straight_into_production_is_a_change() -> None:
    outcome = langfuse_prompt_change(a_prompt_event(action="created", prompt={"tags": []}))
    assert outcome.change is not None
    assert outcome.change.before is None
    assert outcome.change.after == "v4"
    assert outcome.change.service == "legal-research-system"  # no feature tag: the prompt name


def test_the_version_production_left_is_ignored_with_a_reason() -> None:
    outcome = langfuse_prompt_change(a_prompt_event(prompt={"version": 3, "labels": ["staging"]}))
    assert outcome.change is None
    assert "does not carry production" in outcome.reason


def test_a_tag_edit_on_the_version_already_in_production_is_ignored() -> None:
    outcome = langfuse_prompt_change(a_prompt_event(), previous_version=4)
    assert outcome.change is None
    assert "already on version 4" in outcome.reason


def test_other_labels_can_be_watched() -> None:
    event = a_prompt_event(prompt={"labels": ["canary"]})
    assert langfuse_prompt_change(event).change is None
    watched = langfuse_prompt_change(event, watched_labels=("production", "canary")).change
    assert watched is not None
    assert watched.attributes["prompt.label"] == "canary"


@pytest.mark.parametrize(
    ("event", "reason_says"),
    [
        (a_prompt_event(action="deleted"), "'deleted'"),
        ({"type": "trace-created", "id": "x"}, "not a prompt-version event"),
    ],
)
def test_events_that_move_no_label_are_ignored_with_a_reason(
    event: dict[str, Any], reason_says: str
) -> None:
    outcome = langfuse_prompt_change(event)
    assert outcome.change is None
    assert outcome.reason.startswith("ignored")
    assert reason_says in outcome.reason


def test_a_malformed_prompt_version_event_names_the_field() -> None:
    event = a_prompt_event()
    del event["prompt"]["version"]
    event["timestamp"] = "yesterday"
    with pytest.raises(ValidationError) as caught:
        langfuse_prompt_change(event)
    assert {e["field"] for e in validation_errors(caught.value)} == {"prompt.version", "timestamp"}


def sign(body: bytes, secret: str, at: datetime) -> str:
    stamp = str(int(at.timestamp()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def test_langfuse_signatures_are_checked_on_the_raw_body_and_time() -> None:
    secret = "lf-whsec_0123456789abcdef"
    body = b'{"type":"prompt-version"}'
    now = datetime(2024, 11, 19, 10, 30, tzinfo=UTC)
    header = sign(body, secret, now)

    assert verify_langfuse_signature(body, header, secret, now=now + timedelta(seconds=30))
    assert not verify_langfuse_signature(body + b" ", header, secret, now=now)
    assert not verify_langfuse_signature(body, header, "another-secret", now=now)
    assert not verify_langfuse_signature(body, header, secret, now=now + timedelta(minutes=6))
    assert not verify_langfuse_signature(body, None, secret, now=now)
    assert not verify_langfuse_signature(body, "v1=abc", secret, now=now)
    assert not verify_langfuse_signature(body, "t=99999999999999999999,v1=a", secret, now=now)
