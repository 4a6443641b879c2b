"""What walking the runbook records in the outbox for the projector to perform."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.events import Event


@dataclass(frozen=True)
class PhaseEntered(Event):
    """A stay in a phase began: its checklist is to be posted in the channel."""

    number: int
    run_id: int


@dataclass(frozen=True)
class ChecklistChanged(Event):
    """A posted checklist shows something out of date (a tick, the phase it belongs to ended)."""

    number: int
    run_id: int

    def coalesce(self) -> str | None:
        return f"checklist:{self.run_id}"
