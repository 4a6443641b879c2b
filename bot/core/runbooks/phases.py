"""Where an incident stands in its runbook: phase runs and the state of each checklist entry."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class PhaseRun(BaseModel):
    """One stay in one phase. Going back to a phase starts a new run; times are never rewritten."""

    model_config = ConfigDict(from_attributes=True)

    id: int | None = None
    incident_number: int
    runbook: str
    phase: str
    started_at: datetime
    ended_at: datetime | None = None
    entered_by: str | None = None
    # Who pushed past open required items to leave this phase, if anyone did.
    left_by_override: str | None = None
    checklist_ts: str | None = None
    timebox_nudged_at: datetime | None = None


class EntryState(BaseModel):
    """A checklist item or exit criterion, ticked (done) or not, and who last touched it."""

    model_config = ConfigDict(from_attributes=True)

    incident_number: int
    phase: str
    item_id: str
    done: bool
    by: str
    at: datetime
