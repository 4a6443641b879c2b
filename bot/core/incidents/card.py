"""What the incident card shows: the one set of facts behind the pinned card and `status`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.incidents.model import Incident


@dataclass(frozen=True)
class IncidentCard:
    incident: Incident
    timebox_minutes: int | None  # of the current phase; None when its runbook sets none
    open_items: int  # open action items
    unowned_items: int  # of those, the ones nobody owns yet
    # Slack steps the projector keeps failing to perform (still retried): shown, not hidden.
    failing_effects: int = 0
    cases: int = 0  # regression cases captured for the eval set
