"""The tables, and the one place where rows and the domain's models are mapped onto each other.

Rows are the storage shape: enums are plain strings (so a runbook may name its own phases and a
new enum member needs no migration) and every datetime is UTC. The domain models in bot.core
never see a row; repositories hand them `Incident` and `TimelineEvent` built here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Index,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlmodel import Field, SQLModel

from bot.core.cases.model import RegressionCase, Versions
from bot.core.changes.model import Change
from bot.core.incidents.model import Incident
from bot.core.timeline import TimelineEvent

# Named constraints let later migrations drop or alter them by name on every backend (SQLite
# batch mode needs names to find them). Set before any table below attaches its constraints.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC. A naive datetime is refused: guessing its zone would silently
    shift an incident's times by hours."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"refusing a naive datetime ({value.isoformat()}); pass it with a tzinfo")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC and read back as UTC on every backend.

    PostgreSQL keeps the zone (timestamptz); SQLite stores text without one, so the value is
    written as naive UTC and UTC is re-attached on the way out.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = to_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class IncidentRow(SQLModel, table=True):
    """One incident; `number` is its public id (#12), so it is never reused (AUTOINCREMENT)."""

    __tablename__ = "incident"
    __table_args__ = {"sqlite_autoincrement": True}

    number: int | None = Field(default=None, primary_key=True)
    title: str
    severity: str
    category: str
    phase: str
    status: str = Field(index=True)
    runbook: str
    ai_feature: str | None = None
    how_detected: str | None = None
    description: str | None = Field(default=None, sa_type=Text)
    reporter_id: str | None = None
    commander_id: str | None = None
    comms_id: str | None = None
    scribe_id: str | None = None
    channel_id: str | None = Field(default=None, unique=True, index=True)
    channel_name: str | None = None
    card_ts: str | None = None
    declare_key: str | None = Field(default=None, unique=True)
    last_update_text: str | None = Field(default=None, sa_type=Text)
    last_update_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    regression_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_alarm_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    declared_at: datetime = Field(sa_type=UTCDateTime)
    phase_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mitigated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    private: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class TimelineEventRow(SQLModel, table=True):
    """One line of an incident's timeline; `dedupe_key` makes redelivered facts land once."""

    __tablename__ = "timeline_event"
    # An incident's timeline is always read in time order, so index exactly that.
    __table_args__ = (
        Index("ix_timeline_event_incident_number_occurred_at", "incident_number", "occurred_at"),
        UniqueConstraint(
            "incident_number", "dedupe_key", name="uq_timeline_event_incident_number_dedupe_key"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_number: int = Field(foreign_key="incident.number")
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    kind: str
    axis: str | None = None
    actor: str | None = None
    source: str
    summary: str = Field(sa_type=Text)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    permalink: str | None = None
    dedupe_key: str | None = None


class ProcessedSlackEventRow(SQLModel, table=True):
    """A Slack event id already handled: Slack redelivers, and several replicas may receive it."""

    __tablename__ = "processed_slack_event"

    event_id: str = Field(primary_key=True)
    received_at: datetime = Field(sa_type=UTCDateTime)


class WebhookDeliveryRow(SQLModel, table=True):
    """A signed REST delivery already answered, with its answer (bot/core/webhook_deliveries)."""

    __tablename__ = "webhook_delivery"

    delivery_id: str = Field(primary_key=True)
    request_digest: str
    status: int
    body: str = Field(sa_type=Text)
    received_at: datetime = Field(sa_type=UTCDateTime)


def _column_value(value: Any) -> Any:
    """A domain value as its column holds it: enums by value, datetimes in UTC."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return to_utc(value)
    return value


def incident_columns(incident: Incident) -> dict[str, Any]:
    """Every field of the incident except its number, as column values."""
    return {
        name: _column_value(getattr(incident, name))
        for name in Incident.model_fields
        if name != "number"
    }


def copy_incident_onto(row: IncidentRow, incident: Incident) -> None:
    """Write every field of the domain incident onto an existing row."""
    for name, value in incident_columns(incident).items():
        setattr(row, name, value)


def row_to_incident(row: IncidentRow) -> Incident:
    return Incident.model_validate(row)


def timeline_event_values(event: TimelineEvent) -> dict[str, Any]:
    """Column values for an insert. `details` goes through pydantic's JSON mode so values
    such as datetimes become JSON text instead of failing inside the driver."""
    values = {
        name: _column_value(getattr(event, name))
        for name in TimelineEvent.model_fields
        if name not in ("id", "details")
    }
    values["details"] = event.model_dump(mode="json", include={"details"})["details"]
    if event.id is not None:
        values["id"] = event.id
    return values


def row_to_timeline_event(row: TimelineEventRow) -> TimelineEvent:
    return TimelineEvent.model_validate(row)


# -- runbook phases ---------------------------------------------------------------------------


class PhaseRunRow(SQLModel, table=True):
    """One stay of an incident in one runbook phase (start and end are the phase times)."""

    __tablename__ = "phase_run"
    __table_args__ = (
        Index("ix_phase_run_incident_number_started_at", "incident_number", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_number: int = Field(foreign_key="incident.number")
    runbook: str
    phase: str
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    entered_by: str | None = None
    left_by_override: str | None = None
    checklist_ts: str | None = None
    timebox_nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChecklistEntryRow(SQLModel, table=True):
    """The current tick of one checklist item or exit criterion of one phase of one incident."""

    __tablename__ = "checklist_entry"

    incident_number: int = Field(foreign_key="incident.number", primary_key=True)
    phase: str = Field(primary_key=True)
    item_id: str = Field(primary_key=True)
    done: bool
    by: str
    at: datetime = Field(sa_type=UTCDateTime)


# -- the postmortem's records (revision 0004) ---------------------------------------------------
# One row per incident for the single sections (keyed by incident number), many for scope rows
# and action items. Enums are stored by value; mapping to the domain is in
# storage/repositories/postmortem.py.


class DetectionRow(SQLModel, table=True):
    """How we learned of the incident, as the detection form recorded it."""

    __tablename__ = "detection"

    incident_number: int = Field(
        primary_key=True, foreign_key="incident.number", sa_column_kwargs={"autoincrement": False}
    )
    how: str | None = None
    signal: str | None = None
    signal_url: str | None = None
    regression_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_alarm_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    what_we_missed: str | None = Field(default=None, sa_type=Text)
    alarm_ignored_or_misrouted: str | None = Field(default=None, sa_type=Text)


class SliceImpactRow(SQLModel, table=True):
    """One row of an incident's per-slice scorecard; the delta is computed, never stored."""

    __tablename__ = "slice_impact"

    id: int | None = Field(default=None, primary_key=True)
    incident_number: int = Field(foreign_key="incident.number", index=True)
    slice: str
    metric: str
    baseline: float
    incident_value: float
    users_affected: int | None = None
    higher_is_better: bool = True


class RootCauseRow(SQLModel, table=True):
    """The root cause: `axes` holds one {axis, what_changed, evidence_url} per chosen axis."""

    __tablename__ = "root_cause"

    incident_number: int = Field(
        primary_key=True, foreign_key="incident.number", sa_column_kwargs={"autoincrement": False}
    )
    axes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    first_axis: str | None = None
    why_not_caught: str | None = None
    why_not_caught_text: str | None = Field(default=None, sa_type=Text)
    contributing_factors: list[str] = Field(default_factory=list, sa_type=JSON)
    layer: str | None = None


class ActionItemRow(SQLModel, table=True):
    """One action item and its calibration record (calibration items). Reminders about it are
    occurrences in the `reminder` table, keyed by item and period."""

    __tablename__ = "action_item"

    id: int | None = Field(default=None, primary_key=True)
    incident_number: int = Field(foreign_key="incident.number", index=True)
    category: str
    title: str = Field(sa_type=Text)
    owner_id: str | None = Field(default=None, index=True)
    due: date | None = None
    status: str = Field(index=True)
    artefact_url: str | None = Field(default=None, sa_type=Text)
    calibration_labels: int | None = None
    calibration_kappa: float | None = None
    calibration_tpr: float | None = None
    calibration_tnr: float | None = None
    calibration_judge_version: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ResolutionRow(SQLModel, table=True):
    """What the close form recorded: the summary, when it was mitigated, exit criteria met."""

    __tablename__ = "resolution"

    incident_number: int = Field(
        primary_key=True, foreign_key="incident.number", sa_column_kwargs={"autoincrement": False}
    )
    summary: str = Field(sa_type=Text)
    mitigated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    exit_criteria_met: list[str] = Field(default_factory=list, sa_type=JSON)


class CloseOverrideRow(SQLModel, table=True):
    """A close despite blocking review flags: who, when, which flags, why."""

    __tablename__ = "close_override"

    incident_number: int = Field(
        primary_key=True, foreign_key="incident.number", sa_column_kwargs={"autoincrement": False}
    )
    closed_by: str
    closed_at: datetime = Field(sa_type=UTCDateTime)
    flags: list[str] = Field(default_factory=list, sa_type=JSON)
    reason: str | None = Field(default=None, sa_type=Text)


class PostmortemRow(SQLModel, table=True):
    """The compiled postmortem: the Markdown and the JSON form, as posted."""

    __tablename__ = "postmortem"

    incident_number: int = Field(
        primary_key=True, foreign_key="incident.number", sa_column_kwargs={"autoincrement": False}
    )
    markdown: str = Field(sa_type=Text)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    flags: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    compiled_at: datetime = Field(sa_type=UTCDateTime)
    template_problem: str | None = Field(default=None, sa_type=Text)


# -- the change ledger (revision 0003) --------------------------------------------------------


class ChangeEventRow(SQLModel, table=True):
    """One control-plane change in the global ledger; (source, external_id) identifies it.

    `service_key` is the service casefolded, so "what changed for this feature" is an indexed
    equality on every backend. The indexes serve the digest: a time range, alone or within one
    service or one kind, read newest first.
    """

    __tablename__ = "change_event"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_change_event_source_external_id"),
        Index("ix_change_event_occurred_at", "occurred_at"),
        Index("ix_change_event_service_key_occurred_at", "service_key", "occurred_at"),
        Index("ix_change_event_kind_occurred_at", "kind", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    external_id: str
    kind: str
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    service: str | None = None
    service_key: str | None = None
    summary: str | None = Field(default=None, sa_type=Text)
    before: str | None = None
    after: str | None = None
    url: str | None = Field(default=None, sa_type=Text)
    actor: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


def service_key(service: str | None) -> str | None:
    """How a service name is matched: trimmed and casefolded (as the core compares them)."""
    return None if service is None else service.strip().casefold()


def change_event_values(change: Change, *, recorded_at: datetime) -> dict[str, Any]:
    """Column values for an insert; attributes go through JSON mode like timeline details."""
    values: dict[str, Any] = {
        name: _column_value(getattr(change, name))
        for name in Change.model_fields
        if name not in ("id", "attributes")
    }
    values["attributes"] = change.model_dump(mode="json", include={"attributes"})["attributes"]
    values["service_key"] = service_key(change.service)
    values["recorded_at"] = to_utc(recorded_at)
    return values


def row_to_change(row: ChangeEventRow) -> Change:
    return Change.model_validate(row)


# -- reminders --------------------------------------------------------------------------------


class ReminderRow(SQLModel, table=True):
    """One occurrence of one reminder (its key names rule, subject and period): claimed by a
    replica for a short lease, then marked sent with the message it posted."""

    __tablename__ = "reminder"

    key: str = Field(primary_key=True)
    kind: str
    incident_number: int = Field(index=True)
    claimed_by: str | None = None
    claimed_until: datetime = Field(sa_type=UTCDateTime)
    attempts: int = 1
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ts: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


# -- outbox -----------------------------------------------------------------------------------


class OutboxEventRow(SQLModel, table=True):
    """An event recorded with the state change that implied it, kept until the projector has
    performed it; `steps` holds each Slack step's result so a retry skips what completed."""

    __tablename__ = "outbox_event"
    # The projector reads an incident's pending events in order, and asks which incidents
    # have any: both walk this index.
    __table_args__ = (
        Index("ix_outbox_event_done_at_incident_number", "done_at", "incident_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_number: int = Field(foreign_key="incident.number")
    kind: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    steps: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    attempts: int = 0
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProjectionRow(SQLModel, table=True):
    """The projector's hold on one incident (a lease any replica takes over once it lapses)
    and what the incident's card last showed in Slack."""

    __tablename__ = "projection"

    incident_number: int = Field(
        primary_key=True, foreign_key="incident.number", sa_column_kwargs={"autoincrement": False}
    )
    claimed_by: str | None = None
    claimed_until: datetime = Field(sa_type=UTCDateTime)
    last_card: str | None = None


# -- regression cases and gate runs (revision 0010) -------------------------------------------


class RegressionCaseRow(SQLModel, table=True):
    """One failing example an incident keeps for the eval set. `key` is the id it leaves the
    bot under (exports, dataset items, verdicts), unique across incidents, so two replicas
    capturing the same example store one row."""

    __tablename__ = "regression_case"

    id: int | None = Field(default=None, primary_key=True)
    incident_number: int = Field(foreign_key="incident.number", index=True)
    key: str = Field(unique=True)
    input: str = Field(sa_type=Text)
    observed: str | None = Field(default=None, sa_type=Text)
    expected: str = Field(sa_type=Text)
    expectation: str
    slice: str | None = None
    risk: str
    trace_url: str | None = Field(default=None, sa_type=Text)
    versions: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    source: str
    source_url: str | None = Field(default=None, sa_type=Text)
    created_by: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    exported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dataset: str | None = None
    pushed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def regression_case_values(case: RegressionCase) -> dict[str, Any]:
    """Column values for an insert or an update (everything but the id)."""
    values: dict[str, Any] = {
        name: _column_value(getattr(case, name))
        for name in RegressionCase.model_fields
        if name not in ("id", "versions")
    }
    values["versions"] = case.versions.model_dump(mode="json", exclude_none=True)
    return values


def row_to_case(row: RegressionCaseRow) -> RegressionCase:
    return RegressionCase.model_validate(
        {**row.model_dump(exclude={"versions"}), "versions": Versions(**row.versions)}
    )


class EvalRunRow(SQLModel, table=True):
    """One gate run as CI reported it; its verdicts are rows of `eval_verdict`."""

    __tablename__ = "eval_run"

    id: int | None = Field(default=None, primary_key=True)
    suite: str
    commit: str
    url: str | None = Field(default=None, sa_type=Text)
    reported_at: datetime = Field(sa_type=UTCDateTime)


class EvalVerdictRow(SQLModel, table=True):
    """What one run said about one case. Keyed by the case's key rather than its row: a
    verdict stays true of the example even when the case is removed and captured again."""

    __tablename__ = "eval_verdict"

    run_id: int = Field(foreign_key="eval_run.id", primary_key=True)
    case_key: str = Field(primary_key=True, index=True)
    passed: bool
