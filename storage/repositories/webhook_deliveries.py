"""Answered signed deliveries: the WebhookDeliveryRepository port on SQL."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.webhook_deliveries import RememberedAnswer
from storage.models import WebhookDeliveryRow, to_utc
from storage.repositories.conflict import insert_unless_present


class SqlWebhookDeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, *, delivery_id: str) -> RememberedAnswer | None:
        row = await self._session.get(WebhookDeliveryRow, delivery_id)
        if row is None:
            return None
        return RememberedAnswer(request_digest=row.request_digest, status=row.status, body=row.body)

    async def remember(
        self, *, delivery_id: str, answer: RememberedAnswer, received_at: datetime
    ) -> bool:
        # The primary key decides between two copies of one delivery answered at once.
        stored = await insert_unless_present(
            self._session,
            entity=WebhookDeliveryRow,
            values={
                "delivery_id": delivery_id,
                "request_digest": answer.request_digest,
                "status": answer.status,
                "body": answer.body,
                "received_at": to_utc(received_at),
            },
            unique_columns=[col(WebhookDeliveryRow.delivery_id)],
            returning=col(WebhookDeliveryRow.delivery_id),
        )
        return stored is not None
