"""What the runbook phases are stored through."""

from __future__ import annotations

from typing import Protocol

from bot.core.runbooks.phases import EntryState, PhaseRun


class PhaseRepository(Protocol):
    async def start(self, *, run: PhaseRun) -> PhaseRun: ...

    async def current(self, *, incident_number: int) -> PhaseRun | None:
        """The run not yet ended (locked for update), or None before the first phase."""
        ...

    async def save(self, *, run: PhaseRun) -> None: ...

    async def runs(self, *, incident_number: int) -> list[PhaseRun]: ...

    async def open_runs(self) -> dict[int, PhaseRun]:
        """Every run not yet ended, by incident number (one query, for the reminder sweep)."""
        ...

    async def entries(self, *, incident_number: int, phase: str) -> dict[str, EntryState]: ...

    async def set_entry(self, *, state: EntryState) -> None: ...
