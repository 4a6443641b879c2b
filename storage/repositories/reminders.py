"""Reminder occurrences: the ReminderRepository port on SQL.

The claim is one statement on both backends — `INSERT … ON CONFLICT (key) DO UPDATE … WHERE
unsent AND lease expired RETURNING` — so of two replicas ticking at once exactly one gets a row
back, and a claim whose sender died is taken over once its lease runs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ReminderRow


class SqlReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self,
        *,
        key: str,
        kind: str,
        incident_number: int,
        claimant: str,
        now: datetime,
        lease_until: datetime,
    ) -> bool:
        dialect = self._session.bind.dialect.name if self._session.bind is not None else ""
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = ReminderRow.__table__  # type: ignore[attr-defined]
        statement = (
            insert(ReminderRow)
            .values(
                key=key,
                kind=kind,
                incident_number=incident_number,
                claimed_by=claimant,
                claimed_until=lease_until,
                attempts=1,
                created_at=now,
            )
            .on_conflict_do_update(
                index_elements=[col(ReminderRow.key)],
                set_={
                    "claimed_by": claimant,
                    "claimed_until": lease_until,
                    "attempts": table.c.attempts + 1,
                },
                where=and_(table.c.sent_at.is_(None), table.c.claimed_until < now),
            )
            .returning(col(ReminderRow.key))
        )
        return (await self._session.exec(statement)).first() is not None

    async def mark_sent(self, *, key: str, message_ts: str, now: datetime) -> None:
        row = await self._session.get(ReminderRow, key)
        if row is not None:
            row.sent_at, row.message_ts = now, message_ts
            await self._session.flush()

    async def sent_among(self, *, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(keys), 500):  # well under every backend's parameter limit
            statement = (
                select(ReminderRow.key)
                .where(col(ReminderRow.key).in_(keys[start : start + 500]))
                .where(col(ReminderRow.sent_at).is_not(None))
            )
            found.update(await self._session.exec(statement))
        return found

    async def sent_for(self, *, incident_number: int) -> list[tuple[str, datetime, str]]:
        statement = (
            select(ReminderRow.key, ReminderRow.sent_at, ReminderRow.message_ts)
            .where(col(ReminderRow.incident_number) == incident_number)
            .where(col(ReminderRow.sent_at).is_not(None))
        )
        return [
            (key, sent_at, message_ts or "")
            for key, sent_at, message_ts in await self._session.exec(statement)
            if sent_at is not None
        ]
