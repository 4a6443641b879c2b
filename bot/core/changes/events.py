"""What the change ledger records in the outbox for the projector to perform."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.changes.alertmanager import AlertRecord
from bot.core.events import Event


@dataclass(frozen=True)
class ChangesLanded(Event):
    """Ledger changes just landed on the incident's timeline (live, or recorded in its channel
    by `recorded_by`)."""

    number: int
    change_ids: tuple[int, ...]
    recorded_by: str | None


@dataclass(frozen=True)
class ChangeAdded(Event):
    """Someone put a ledger change on the timeline (the digest's "Add to timeline")."""

    number: int
    change_id: int
    added_by: str


@dataclass(frozen=True)
class AlertsLanded(Event):
    """Alerts just landed on the incident's timeline."""

    number: int
    alerts: tuple[AlertRecord, ...]
