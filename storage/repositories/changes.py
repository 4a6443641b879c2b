"""The change ledger: the ChangeRepository port on SQL."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.changes.model import Change, ChangeKind
from storage.models import ChangeEventRow, change_event_values, row_to_change, service_key
from storage.repositories.conflict import insert_many_unless_present, insert_unless_present

# Keys per duplicate lookup: two bound parameters each, well under both backends' limits.
LOOKUP_CHUNK = 500


class SqlChangeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, change: Change, recorded_at: datetime) -> tuple[Change, bool]:
        # The unique (source, external_id) is the arbiter: of two producers racing with the
        # same change, one inserts and the other reads the winner back.
        values = change_event_values(change, recorded_at=recorded_at)
        new_id = await insert_unless_present(
            self._session,
            entity=ChangeEventRow,
            values=values,
            unique_columns=[col(ChangeEventRow.source), col(ChangeEventRow.external_id)],
            returning=col(ChangeEventRow.id),
        )
        if new_id is not None:
            return row_to_change(ChangeEventRow(**{**values, "id": new_id})), True
        existing = await self.get_by_key(source=change.source, external_id=change.external_id)
        assert existing is not None  # the conflict that skipped the insert is this very row
        return existing, False

    async def add_many(
        self, *, changes: Sequence[Change], recorded_at: datetime
    ) -> list[tuple[Change, bool]]:
        # One INSERT ... ON CONFLICT DO NOTHING RETURNING for the batch: what RETURNING gives
        # back is what this call stored; the rest are repeats, read back in one query. Rows go
        # in key order, so two overlapping batches lock in the same order (no deadlock).
        first: dict[tuple[str, str], int] = {}  # key -> the first index sent with it
        for index, change in enumerate(changes):
            first.setdefault((change.source, change.external_id), index)
        values = {
            key: change_event_values(changes[i], recorded_at=recorded_at)
            for key, i in first.items()
        }
        returned = await insert_many_unless_present(
            self._session,
            entity=ChangeEventRow,
            rows=[values[key] for key in sorted(values)],
            unique_columns=[col(ChangeEventRow.source), col(ChangeEventRow.external_id)],
            returning=[
                col(ChangeEventRow.id),
                col(ChangeEventRow.source),
                col(ChangeEventRow.external_id),
            ],
        )
        stored: dict[tuple[str, str], Change] = {
            (source, external_id): row_to_change(
                ChangeEventRow(**{**values[(source, external_id)], "id": new_id})
            )
            for new_id, source, external_id in returned
        }
        new = set(stored)
        stored.update(await self._by_keys([key for key in first if key not in new]))
        answers: list[tuple[Change, bool]] = []
        for index, change in enumerate(changes):
            key = (change.source, change.external_id)
            answers.append((stored[key], key in new and first[key] == index))
        return answers

    async def _by_keys(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Change]:
        found: dict[tuple[str, str], Change] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            statement = select(ChangeEventRow).where(
                tuple_(col(ChangeEventRow.source), col(ChangeEventRow.external_id)).in_(chunk)
            )
            for row in await self._session.exec(statement):
                found[(row.source, row.external_id)] = row_to_change(row)
        return found

    async def get(self, *, change_id: int) -> Change | None:
        row = await self._session.get(ChangeEventRow, change_id)
        return row_to_change(row) if row is not None else None

    async def get_by_key(self, *, source: str, external_id: str) -> Change | None:
        statement = select(ChangeEventRow).where(
            col(ChangeEventRow.source) == source,
            col(ChangeEventRow.external_id) == external_id,
        )
        row = (await self._session.exec(statement)).first()
        return row_to_change(row) if row is not None else None

    async def newest(
        self,
        *,
        until: datetime,
        limit: int,
        since: datetime | None = None,
        services: Sequence[str | None] | None = None,
        kinds: Collection[ChangeKind] | None = None,
        source: str | None = None,
    ) -> list[Change]:
        if limit <= 0 or (kinds is not None and not kinds):
            return []
        conditions = _window(since=since, until=until, kinds=kinds)
        if source is not None:
            conditions.append(col(ChangeEventRow.source) == source)
        # One scan per service, merged here: each walks (service_key, occurred_at) backwards
        # and stops after `limit` rows, where an OR across services would sort the whole window.
        scopes: list[list[ColumnElement[bool]]] = (
            [[]] if services is None else [[_service_is(key)] for key in _keys(services)]
        )
        rows: list[ChangeEventRow] = []
        for scope in scopes:
            statement = (
                select(ChangeEventRow)
                .where(*conditions, *scope)
                .order_by(col(ChangeEventRow.occurred_at).desc(), col(ChangeEventRow.id).desc())
                .limit(limit)
            )
            rows.extend(await self._session.exec(statement))
        rows.sort(key=lambda row: (row.occurred_at, row.id or 0), reverse=True)
        return [row_to_change(row) for row in rows[:limit]]

    async def count_by_kind(
        self,
        *,
        since: datetime,
        until: datetime,
        services: Sequence[str | None] | None = None,
        kinds: Collection[ChangeKind] | None = None,
    ) -> dict[ChangeKind, int]:
        if kinds is not None and not kinds:
            return {}
        conditions = _window(since=since, until=until, kinds=kinds)
        if services is not None:
            conditions.append(or_(*(_service_is(key) for key in _keys(services))))
        statement = (
            select(col(ChangeEventRow.kind), func.count())
            .where(*conditions)
            .group_by(col(ChangeEventRow.kind))
        )
        counts: dict[ChangeKind, int] = {}
        for kind, count in await self._session.exec(statement):
            if kind in ChangeKind.__members__.values():  # a kind from a newer version: skip
                counts[ChangeKind(kind)] = int(count)
        return counts


def _window(
    *, since: datetime | None, until: datetime, kinds: Collection[ChangeKind] | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [col(ChangeEventRow.occurred_at) <= until]
    if since is not None:
        conditions.append(col(ChangeEventRow.occurred_at) >= since)
    if kinds is not None:
        conditions.append(col(ChangeEventRow.kind).in_(sorted(kind.value for kind in kinds)))
    return conditions


def _keys(services: Sequence[str | None]) -> list[str | None]:
    """The distinct match keys, in the order given."""
    keys: dict[str | None, None] = {}
    for service in services:
        keys[service_key(service)] = None
    return list(keys)


def _service_is(key: str | None) -> ColumnElement[bool]:
    column: Any = col(ChangeEventRow.service_key)
    result: ColumnElement[bool] = column.is_(None) if key is None else column == key
    return result
