"""Processed Slack event ids: the ProcessedEventRepository port on SQL."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ProcessedSlackEventRow, to_utc
from storage.repositories.conflict import insert_unless_present


class SqlProcessedEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, *, event_id: str, received_at: datetime) -> bool:
        # The primary key is the arbiter: of two replicas handed the same event, one inserts.
        claimed = await insert_unless_present(
            self._session,
            entity=ProcessedSlackEventRow,
            values={"event_id": event_id, "received_at": to_utc(received_at)},
            unique_columns=[col(ProcessedSlackEventRow.event_id)],
            returning=col(ProcessedSlackEventRow.event_id),
        )
        return claimed is not None
