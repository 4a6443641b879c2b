"""Phase runs and checklist ticks: the PhaseRepository port on SQL."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.runbooks.phases import EntryState, PhaseRun
from storage.models import ChecklistEntryRow, PhaseRunRow


class SqlPhaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def start(self, *, run: PhaseRun) -> PhaseRun:
        row = PhaseRunRow(**run.model_dump(exclude={"id"}))
        self._session.add(row)
        await self._session.flush()
        return PhaseRun.model_validate(row)

    async def current(self, *, incident_number: int) -> PhaseRun | None:
        statement = (
            select(PhaseRunRow)
            .where(col(PhaseRunRow.incident_number) == incident_number)
            .where(col(PhaseRunRow.ended_at).is_(None))
            .order_by(col(PhaseRunRow.started_at).desc(), col(PhaseRunRow.id).desc())
            .with_for_update()
        )
        row = (await self._session.exec(statement)).first()
        return PhaseRun.model_validate(row) if row is not None else None

    async def save(self, *, run: PhaseRun) -> None:
        row = await self._session.get(PhaseRunRow, run.id)
        if row is None:
            raise LookupError(f"no phase run {run.id}")
        for name, value in run.model_dump(exclude={"id"}).items():
            setattr(row, name, value)
        await self._session.flush()

    async def runs(self, *, incident_number: int) -> list[PhaseRun]:
        statement = (
            select(PhaseRunRow)
            .where(col(PhaseRunRow.incident_number) == incident_number)
            .order_by(col(PhaseRunRow.started_at), col(PhaseRunRow.id))
        )
        return [PhaseRun.model_validate(row) for row in await self._session.exec(statement)]

    async def open_runs(self) -> dict[int, PhaseRun]:
        statement = (
            select(PhaseRunRow)
            .where(col(PhaseRunRow.ended_at).is_(None))
            .order_by(col(PhaseRunRow.started_at), col(PhaseRunRow.id))
        )
        # Ordered oldest first, so the newest open run of an incident wins.
        return {
            row.incident_number: PhaseRun.model_validate(row)
            for row in await self._session.exec(statement)
        }

    async def entries(self, *, incident_number: int, phase: str) -> dict[str, EntryState]:
        statement = (
            select(ChecklistEntryRow)
            .where(col(ChecklistEntryRow.incident_number) == incident_number)
            .where(col(ChecklistEntryRow.phase) == phase)
        )
        return {
            row.item_id: EntryState.model_validate(row)
            for row in await self._session.exec(statement)
        }

    async def set_entry(self, *, state: EntryState) -> None:
        row = await self._session.get(
            ChecklistEntryRow, (state.incident_number, state.phase, state.item_id)
        )
        if row is None:
            self._session.add(ChecklistEntryRow(**state.model_dump()))
        else:
            row.done, row.by, row.at = state.done, state.by, state.at
        await self._session.flush()
