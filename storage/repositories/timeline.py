"""Timeline events: the TimelineRepository port on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.timeline import TimelineEvent
from storage.models import TimelineEventRow, row_to_timeline_event, timeline_event_values
from storage.repositories.conflict import insert_many_unless_present, insert_unless_present


class SqlTimelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, event: TimelineEvent) -> bool:
        # Keys are unique per incident: one change may belong on several incidents' timelines.
        # Events without a dedupe key never conflict: NULLs are distinct in a unique index.
        new_id = await insert_unless_present(
            self._session,
            entity=TimelineEventRow,
            values=timeline_event_values(event),
            unique_columns=[
                col(TimelineEventRow.incident_number),
                col(TimelineEventRow.dedupe_key),
            ],
            returning=col(TimelineEventRow.id),
        )
        return new_id is not None

    async def add_many(self, *, events: Sequence[TimelineEvent]) -> list[bool]:
        # One statement for the lot; an event repeating a key earlier in `events` is skipped
        # like one already stored, so the answers are those of `add` called in turn.
        keyed: dict[tuple[int, str], int] = {}
        rows: list[dict[str, Any]] = []
        for index, event in enumerate(events):
            if event.dedupe_key is not None:
                key = (event.incident_number, event.dedupe_key)
                if key in keyed:
                    continue
                keyed[key] = index
            rows.append(timeline_event_values(event))
        returned = await insert_many_unless_present(
            self._session,
            entity=TimelineEventRow,
            rows=rows,
            unique_columns=[
                col(TimelineEventRow.incident_number),
                col(TimelineEventRow.dedupe_key),
            ],
            returning=[col(TimelineEventRow.incident_number), col(TimelineEventRow.dedupe_key)],
        )
        written = {(number, key) for number, key in returned if key is not None}
        return [
            event.dedupe_key is None
            or (
                keyed[(event.incident_number, event.dedupe_key)] == index
                and (event.incident_number, event.dedupe_key) in written
            )
            for index, event in enumerate(events)
        ]

    async def list_for(self, *, incident_number: int) -> list[TimelineEvent]:
        statement = (
            select(TimelineEventRow)
            .where(col(TimelineEventRow.incident_number) == incident_number)
            # Ties on occurred_at keep the order the bot learned of them.
            .order_by(col(TimelineEventRow.occurred_at), col(TimelineEventRow.id))
        )
        return [row_to_timeline_event(row) for row in await self._session.exec(statement)]
