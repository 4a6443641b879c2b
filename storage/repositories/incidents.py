"""Incidents: the IncidentRepository port on SQL."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from bot.core.errors import DuplicateDeclaration, IncidentNotFound
from bot.core.incidents.model import Incident, Status
from storage.models import IncidentRow, copy_incident_onto, incident_columns, row_to_incident
from storage.repositories.conflict import insert_unless_present


class SqlIncidentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, incident: Incident) -> Incident:
        # One INSERT, now, so the number exists for the channel name and the card before
        # commit. A taken declare key is skipped rather than raised, so that on PostgreSQL the
        # transaction stays usable, and then reported as the repeat it is.
        values = incident_columns(incident)
        if incident.number is not None:
            values["number"] = incident.number
        number = await insert_unless_present(
            self._session,
            entity=IncidentRow,
            values=values,
            unique_columns=[col(IncidentRow.declare_key)],
            returning=col(IncidentRow.number),
        )
        if number is None:
            assert incident.declare_key is not None  # NULL keys never conflict
            raise DuplicateDeclaration(incident.declare_key)
        return row_to_incident(IncidentRow(**{**values, "number": number}))

    async def save(self, *, incident: Incident) -> None:
        if incident.number is None:
            raise ValueError("cannot save an incident that was never added (it has no number)")
        row = await self._session.get(IncidentRow, incident.number)
        if row is None:
            raise IncidentNotFound(incident.number)
        copy_incident_onto(row, incident)
        # Surface a unique-key clash (channel, declare key) here, where the caller can see why.
        await self._session.flush()

    # Single-incident reads lock the row (FOR UPDATE; SQLite ignores it and serialises writers
    # with BEGIN IMMEDIATE instead), so two replicas that read-modify-save the same incident
    # queue up rather than overwrite each other.
    async def get(self, *, number: int) -> Incident | None:
        row = await self._session.get(IncidentRow, number, with_for_update=True)
        return row_to_incident(row) if row is not None else None

    async def get_by_channel(self, *, channel_id: str) -> Incident | None:
        return await self._first(
            select(IncidentRow).where(col(IncidentRow.channel_id) == channel_id).with_for_update()
        )

    async def get_by_declare_key(self, *, key: str) -> Incident | None:
        return await self._first(select(IncidentRow).where(col(IncidentRow.declare_key) == key))

    async def list_open(self) -> list[Incident]:
        return await self._all(
            select(IncidentRow)
            .where(col(IncidentRow.status) == Status.OPEN.value)
            .order_by(col(IncidentRow.number))
        )

    async def _first(self, statement: SelectOfScalar[IncidentRow]) -> Incident | None:
        row = (await self._session.exec(statement)).first()
        return row_to_incident(row) if row is not None else None

    async def _all(self, statement: SelectOfScalar[IncidentRow]) -> list[Incident]:
        return [row_to_incident(row) for row in await self._session.exec(statement)]
