"""Alertmanager's webhook (payload version 4) onto the ledger's timelines: pure functions.

Every firing or resolved alert becomes an `AlertRecord`, which lands on a timeline as an `alert`
event once per fingerprint, status and start time. An alert labelled `ai_incident="open"` asks
for an incident, once per alert group. Bad payloads raise `pydantic.ValidationError`;
`bot.core.forms.validation_errors` turns that into the `[{"field", "reason"}]` list the
REST API answers with.

Labels Alertmanager users set on an alert rule (documented in docs/ingestion.md):

- `ai_incident: open` — open an incident for this alert's group (firing alerts only).
- `severity` — S1/S2/S3 (also sev1..sev3, critical → S1, high/major/error → S2,
  warning/minor/low/info → S3); anything else opens at S2 and says so in the description.
- `ai_feature` (or `service`) — the AI feature it concerns.
- `ai_incident_category` — user_visible_regression, release_gate_escape or silent_drift
  (the default: an alarm is how silent drift gets caught).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.changes.model import as_utc, one_line, parse_zoned_time
from bot.core.incidents.model import Category, DeclareInput, HowDetected, Severity
from bot.core.timeline import TimelineEvent, TimelineKind

OPEN_LABEL = "ai_incident"
OPEN_VALUE = "open"
SEVERITY_LABEL = "severity"
FEATURE_LABELS = ("ai_feature", "service")
CATEGORY_LABEL = "ai_incident_category"
ALERTMANAGER_SOURCE = "alertmanager"
MAX_ALERTS = 5000
_TITLE_MAX = 150  # DeclareInput.title
_DESCRIPTION_MAX = 3000  # DeclareInput.description
_ALERTS_LISTED = 10

_SEVERITY_WORDS: dict[str, Severity] = {
    "s1": Severity.S1,
    "sev1": Severity.S1,
    "critical": Severity.S1,
    "s2": Severity.S2,
    "sev2": Severity.S2,
    "high": Severity.S2,
    "major": Severity.S2,
    "error": Severity.S2,
    "s3": Severity.S3,
    "sev3": Severity.S3,
    "warning": Severity.S3,
    "minor": Severity.S3,
    "low": Severity.S3,
    "info": Severity.S3,
}
_DEFAULT_SEVERITY = Severity.S2
_SEVERITY_RANK = {Severity.S1: 0, Severity.S2: 1, Severity.S3: 2}


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


def _optional_time(value: object) -> datetime | None:
    """Alertmanager sends `0001-01-01T00:00:00Z` for "no end yet"; that is no time at all."""
    if value is None or value == "":
        return None
    moment = parse_zoned_time(value)
    return None if moment.year < 1970 else moment


class AlertmanagerAlert(BaseModel):
    """One alert of a notification, under Alertmanager's own field names."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: AlertStatus
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime = Field(alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: str | None = Field(default=None, alias="generatorURL", max_length=4000)
    fingerprint: str = Field(min_length=1, max_length=200)

    @field_validator("starts_at", mode="before")
    @classmethod
    def _zoned_start(cls, value: object) -> datetime:
        return parse_zoned_time(value)

    @field_validator("ends_at", mode="before")
    @classmethod
    def _zoned_end(cls, value: object) -> datetime | None:
        return _optional_time(value)


class AlertmanagerPayload(BaseModel):
    """The webhook body, version 4. Fields Alertmanager may add later are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: Literal["4"]
    group_key: str = Field(alias="groupKey", min_length=1, max_length=10_000)
    status: AlertStatus
    receiver: str | None = None
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str | None = Field(default=None, alias="externalURL", max_length=4000)
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts", ge=0)
    alerts: list[AlertmanagerAlert] = Field(max_length=MAX_ALERTS)


def _http_or_none(url: str | None) -> str | None:
    return url if url and url.startswith(("http://", "https://")) else None


class AlertRecord(BaseModel):
    """A firing or resolved alert as the bot keeps it."""

    fingerprint: str
    status: AlertStatus
    alertname: str
    starts_at: datetime
    ends_at: datetime | None = None
    service: str | None = None
    summary: str | None = None
    url: str | None = None
    group_key: str
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        """Redelivered notifications (every group_interval) land once; a resolve is its own
        line, and the same alert firing again later (a new start) is a new one."""
        return f"alert:{self.fingerprint}:{self.status.value}:{self.starts_at.isoformat()}"

    @property
    def occurred_at(self) -> datetime:
        if self.status is AlertStatus.RESOLVED and self.ends_at is not None:
            return self.ends_at
        return self.starts_at

    @property
    def headline(self) -> str:
        """ "firing: RefusalRateDrop — refusals on chest-pain queries under 95% (triage)"."""
        line = f"{self.status.value}: {self.alertname}"
        if self.summary:
            line += f" — {self.summary}"
        if self.service:
            line += f" ({self.service})"
        return one_line(line, 300)

    def to_timeline_event(self, *, incident_number: int, recorded_at: datetime) -> TimelineEvent:
        return TimelineEvent(
            incident_number=incident_number,
            occurred_at=self.occurred_at,
            recorded_at=as_utc(recorded_at),
            kind=TimelineKind.ALERT,
            source=ALERTMANAGER_SOURCE,
            summary=self.headline,
            details={
                "fingerprint": self.fingerprint,
                "status": self.status.value,
                "alertname": self.alertname,
                "starts_at": self.starts_at.isoformat(),
                "ends_at": self.ends_at.isoformat() if self.ends_at else None,
                "service": self.service,
                "labels": self.labels,
                "annotations": self.annotations,
                "group_key": self.group_key,
            },
            permalink=self.url,
            dedupe_key=self.dedupe_key,
        )


class OpenIncidentRequest(BaseModel):
    """An alert group asking for an incident; declared like the modal would, idempotently."""

    title: str
    severity: Severity
    category: Category
    ai_feature: str | None
    regression_started_at: datetime
    first_alarm_at: datetime
    description: str
    idempotency_key: str
    group_key: str

    def to_declare_input(self) -> DeclareInput:
        return DeclareInput(
            title=self.title,
            severity=self.severity,
            category=self.category,
            ai_feature=self.ai_feature,
            how_detected=HowDetected.DASHBOARD_ALERT,
            regression_started_at=self.regression_started_at,
            description=self.description,
            idempotency_key=self.idempotency_key,
        )


class AlertmanagerIntake(BaseModel):
    alerts: list[AlertRecord]
    open_request: OpenIncidentRequest | None = None
    # Alertmanager's `max_alerts` cut these from the notification; say so rather than pretend.
    truncated_alerts: int = 0


def severity_from_label(value: str | None) -> Severity | None:
    if value is None:
        return None
    return _SEVERITY_WORDS.get(value.strip().lower())


def alert_group_declare_key(group_key: str) -> str:
    """The incident idempotency key for an alert group: one incident per group, however many
    times Alertmanager re-sends it. Hashed because group keys can be long label dumps."""
    return "alertmanager:" + hashlib.sha256(group_key.encode()).hexdigest()[:40]


def _feature(labels: dict[str, str]) -> str | None:
    for name in FEATURE_LABELS:
        value = labels.get(name, "").strip()
        if value:
            return value[:150]
    return None


def _record(alert: AlertmanagerAlert, group_key: str) -> AlertRecord:
    summary = alert.annotations.get("summary") or alert.annotations.get("description")
    return AlertRecord(
        fingerprint=alert.fingerprint,
        status=alert.status,
        alertname=alert.labels.get("alertname") or "unnamed alert",
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        service=_feature(alert.labels),
        summary=one_line(summary, 200) if summary else None,
        url=_http_or_none(alert.generator_url),
        group_key=group_key,
        labels=alert.labels,
        annotations=alert.annotations,
    )


def _asks_to_open(alert: AlertmanagerAlert) -> bool:
    return (
        alert.status is AlertStatus.FIRING
        and alert.labels.get(OPEN_LABEL, "").strip().lower() == OPEN_VALUE
    )


def _open_request(
    payload: AlertmanagerPayload, asking: list[AlertmanagerAlert]
) -> OpenIncidentRequest:
    asking = sorted(asking, key=lambda alert: alert.starts_at)
    first = asking[0]
    notes: list[str] = []

    severities = []
    for alert in asking:
        raw = alert.labels.get(SEVERITY_LABEL)
        mapped = severity_from_label(raw)
        if mapped is not None:
            severities.append(mapped)
        elif raw:
            notes.append(
                f"Severity label {raw[:40]!r} is not one the bot knows; opened at "
                f"{_DEFAULT_SEVERITY.value}."
            )
    severity = min(severities, key=_SEVERITY_RANK.__getitem__, default=_DEFAULT_SEVERITY)

    raw_category = first.labels.get(CATEGORY_LABEL, "").strip().lower()
    try:
        category = Category(raw_category) if raw_category else Category.SILENT_DRIFT
    except ValueError:
        category = Category.SILENT_DRIFT
        notes.append(f"Category label {raw_category[:40]!r} is not known; opened as silent drift.")

    alertname = first.labels.get("alertname") or "Alertmanager alert"
    summary = first.annotations.get("summary")
    title = f"{alertname}: {summary}" if summary and not summary.startswith(alertname) else None
    title = one_line(title or summary or alertname, _TITLE_MAX)

    lines = [
        f"Opened by Alertmanager (receiver {payload.receiver or 'unnamed'}): "
        f"{len(asking)} firing alert(s) labelled {OPEN_LABEL}={OPEN_VALUE}."
    ]
    for alert in asking[:_ALERTS_LISTED]:
        text = alert.annotations.get("description") or alert.annotations.get("summary") or ""
        link = _http_or_none(alert.generator_url)
        line = f"- {alert.labels.get('alertname') or 'alert'}"
        line += f": {one_line(text, 300)}" if text else ""
        line += f" {link}" if link else ""
        lines.append(line)
    if len(asking) > _ALERTS_LISTED:
        lines.append(f"- and {len(asking) - _ALERTS_LISTED} more")
    if external := _http_or_none(payload.external_url):
        lines.append(f"Alertmanager: {external}")
    lines.extend(notes)
    description = "\n".join(lines)
    if len(description) > _DESCRIPTION_MAX:
        description = description[: _DESCRIPTION_MAX - 1] + "…"

    return OpenIncidentRequest(
        title=title,
        severity=severity,
        category=category,
        ai_feature=_feature(first.labels) or _feature(payload.common_labels),
        regression_started_at=first.starts_at,
        first_alarm_at=first.starts_at,
        description=description,
        idempotency_key=alert_group_declare_key(payload.group_key),
        group_key=payload.group_key,
    )


def alertmanager_intake(data: object) -> AlertmanagerIntake:
    """The alerts of one Alertmanager notification, and the incident it asks for (if any).

    Raises `pydantic.ValidationError` for a body that is not an Alertmanager v4 payload.
    """
    payload = AlertmanagerPayload.model_validate(data)
    records: list[AlertRecord] = []
    seen: set[str] = set()
    for alert in payload.alerts:
        record = _record(alert, payload.group_key)
        if record.dedupe_key not in seen:
            seen.add(record.dedupe_key)
            records.append(record)
    asking = [alert for alert in payload.alerts if _asks_to_open(alert)]
    return AlertmanagerIntake(
        alerts=records,
        open_request=_open_request(payload, asking) if asking else None,
        truncated_alerts=payload.truncated_alerts,
    )
