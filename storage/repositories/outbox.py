"""The outbox and the projector's leases: the OutboxRepository port on SQL.

The lease is one statement on both backends — `INSERT … ON CONFLICT (incident) DO UPDATE …
WHERE lapsed OR mine RETURNING` — so of two replicas exactly one gets a row back, and the lease
of a replica that died is taken over once it lapses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.events import Event, decode_event, encode_event
from bot.core.outbox import FailingEffect, OutboxEntry
from storage.models import OutboxEventRow, ProjectionRow


class SqlOutboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Incidents this transaction queued events for: the unit of work announces them after
        # its commit, so the projector starts at once instead of at its next sweep.
        self.added: set[int] = set()

    async def add(self, *, incident_number: int, event: Event, now: datetime) -> None:
        self._session.add(
            OutboxEventRow(
                incident_number=incident_number,
                kind=event.kind,
                payload=encode_event(event),
                steps={},
                created_at=now,
            )
        )
        self.added.add(incident_number)

    async def due_incidents(self, *, now: datetime, limit: int) -> list[int]:
        leased = exists().where(
            and_(
                col(ProjectionRow.incident_number) == col(OutboxEventRow.incident_number),
                col(ProjectionRow.claimed_until) > now,
            )
        )
        statement = (
            select(col(OutboxEventRow.incident_number))
            .where(
                col(OutboxEventRow.done_at).is_(None),
                or_(
                    col(OutboxEventRow.not_before).is_(None), col(OutboxEventRow.not_before) <= now
                ),
                ~leased,
            )
            .group_by(col(OutboxEventRow.incident_number))
            .order_by(func.min(OutboxEventRow.id))
            .limit(limit)
        )
        return [int(n) for n in (await self._session.exec(statement)).all()]

    async def claim(
        self, *, incident_number: int, claimant: str, now: datetime, lease_until: datetime
    ) -> bool:
        dialect = self._session.bind.dialect.name if self._session.bind is not None else ""
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = ProjectionRow.__table__  # type: ignore[attr-defined]
        statement = (
            insert(ProjectionRow)
            .values(incident_number=incident_number, claimed_by=claimant, claimed_until=lease_until)
            .on_conflict_do_update(
                index_elements=[col(ProjectionRow.incident_number)],
                set_={"claimed_by": claimant, "claimed_until": lease_until},
                where=or_(table.c.claimed_until < now, table.c.claimed_by == claimant),
            )
            .returning(col(ProjectionRow.incident_number))
        )
        return (await self._session.exec(statement)).first() is not None

    async def release(self, *, incident_number: int, claimant: str) -> None:
        table = ProjectionRow.__table__  # type: ignore[attr-defined]
        await self._session.exec(
            update(table)
            .where(table.c.incident_number == incident_number, table.c.claimed_by == claimant)
            .values(claimed_by=None, claimed_until=datetime.min.replace(tzinfo=UTC))
        )

    async def pending(self, *, incident_number: int) -> list[OutboxEntry]:
        rows = (
            await self._session.exec(
                select(OutboxEventRow)
                .where(
                    col(OutboxEventRow.incident_number) == incident_number,
                    col(OutboxEventRow.done_at).is_(None),
                )
                .order_by(col(OutboxEventRow.id))
            )
        ).all()
        return [_entry(row) for row in rows]

    async def save(self, *, entry: OutboxEntry) -> None:
        table = OutboxEventRow.__table__  # type: ignore[attr-defined]
        await self._session.exec(
            update(table)
            .where(table.c.id == entry.id)
            .values(
                steps=dict(entry.steps),
                attempts=entry.attempts,
                not_before=entry.not_before,
                last_error=entry.last_error,
            )
        )

    async def finish(self, *, entry_id: int, now: datetime) -> None:
        table = OutboxEventRow.__table__  # type: ignore[attr-defined]
        await self._session.exec(update(table).where(table.c.id == entry_id).values(done_at=now))

    async def last_card(self, *, incident_number: int) -> str | None:
        row = await self._session.get(ProjectionRow, incident_number)
        return row.last_card if row is not None else None

    async def save_last_card(self, *, incident_number: int, digest: str) -> None:
        table = ProjectionRow.__table__  # type: ignore[attr-defined]
        await self._session.exec(
            update(table).where(table.c.incident_number == incident_number).values(last_card=digest)
        )

    async def failing(
        self, *, min_attempts: int, incident_number: int | None = None
    ) -> list[FailingEffect]:
        statement = select(OutboxEventRow).where(
            col(OutboxEventRow.done_at).is_(None),
            col(OutboxEventRow.attempts) >= min_attempts,
            col(OutboxEventRow.last_error).is_not(None),
        )
        if incident_number is not None:
            statement = statement.where(col(OutboxEventRow.incident_number) == incident_number)
        rows = (await self._session.exec(statement.order_by(col(OutboxEventRow.id)))).all()
        return [
            FailingEffect(
                incident_number=row.incident_number,
                kind=row.kind,
                attempts=row.attempts,
                last_error=row.last_error or "",
                since=row.created_at,
            )
            for row in rows
        ]

    async def prune(self, *, done_before: datetime) -> int:
        table = OutboxEventRow.__table__  # type: ignore[attr-defined]
        result = await self._session.exec(
            delete(table).where(table.c.done_at.is_not(None), table.c.done_at < done_before)
        )
        return int(result.rowcount or 0)

    async def oldest_pending(self) -> datetime | None:
        statement = select(func.min(OutboxEventRow.created_at)).where(
            col(OutboxEventRow.done_at).is_(None)
        )
        value = (await self._session.exec(statement)).first()
        return value


def _entry(row: OutboxEventRow) -> OutboxEntry:
    assert row.id is not None
    return OutboxEntry(
        id=row.id,
        incident_number=row.incident_number,
        event=decode_event(row.kind, row.payload),
        created_at=row.created_at,
        steps=dict(row.steps or {}),
        attempts=row.attempts,
        not_before=row.not_before,
        last_error=row.last_error,
    )
