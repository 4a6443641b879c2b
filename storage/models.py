"""The tables, and the one place where rows and the domain's models are mapped onto each other.

Rows are the storage shape: enums are plain strings (so a runbook may name its own phases and a
new enum member needs no migration) and every datetime is UTC. The domain models in bot.core
never see a row; repositories hand them `Incident` and `TimelineEvent` built here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Index, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.incident import Incident
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
