"""Timeline events: the TimelineRepository port on SQL."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.timeline import Axis, TimelineEvent, TimelineKind
from storage.models import TimelineEventRow, timeline_event_values
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
        # Columns, not ORM entities, and events built without re-validating what the table
        # already holds: an incident may have 100,000 lines, and this runs on the event loop,
        # which is also let through between chunks.
        table = TimelineEventRow.__table__  # type: ignore[attr-defined]
        columns = [table.c[name] for name in _FIELDS]
        statement = (
            sa_select(*columns)
            .where(table.c.incident_number == incident_number)
            # Ties on occurred_at keep the order the bot learned of them.
            .order_by(table.c.occurred_at, table.c.id)
        )
        result = await self._session.connection()
        rows = (await result.execute(statement)).all()
        events: list[TimelineEvent] = []
        for start in range(0, len(rows), _CHUNK):
            if start:
                await asyncio.sleep(0)
            events.extend(_event(row) for row in rows[start : start + _CHUNK])
        return events


_FIELDS = (
    "id",
    "incident_number",
    "occurred_at",
    "recorded_at",
    "kind",
    "axis",
    "actor",
    "source",
    "summary",
    "details",
    "permalink",
    "dedupe_key",
)
_CHUNK = 2_000


def _event(row: Row[Any] | tuple[Any, ...]) -> TimelineEvent:
    """What `row_to_timeline_event` makes of the row, without pydantic's checks: the kind and
    axis as their enums, the times as the column type reads them (UTC), `details` a dict."""
    (id_, number, occurred, recorded, kind, axis, actor, source, summary, details, link, key) = (
        tuple(row)
    )
    return TimelineEvent.model_construct(
        id=id_,
        incident_number=number,
        occurred_at=occurred,
        recorded_at=recorded,
        kind=TimelineKind(kind),
        axis=Axis(axis) if axis is not None else None,
        actor=actor,
        source=source,
        summary=summary,
        details=details if details is not None else {},
        permalink=link,
        dedupe_key=key,
    )
