"""Signed deliveries already answered: a replayed delivery id gets the first answer again.

A producer that signs (Standard Webhooks, or Langfuse) retries with the same delivery id, and
whoever captured a signed request can resend it while its timestamp is fresh. Each id is
remembered with the answer it got, so neither a retry nor a replay does anything twice.

The answer is remembered after the work it describes, in its own transaction, because the work
runs through use cases that commit on their own. What keeps a crash between the two from doing
the work twice is that every signed write is idempotent on a key the delivery carries (the
declare key of an incident opened under that id, a change's source and external id, an alert's
dedupe key, a Langfuse event id): the retry finds the work done and its answer is remembered
then. Of two copies racing, the first answer stored wins and both callers get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.core.clock import Clock

if TYPE_CHECKING:  # the unit of work names this module's repository
    from bot.core.unit_of_work import UnitOfWorkFactory

DELIVERY_ID_MAX = 255


@dataclass(frozen=True)
class RememberedAnswer:
    """What a delivery was answered, and a digest of the request that got it (so an id reused
    for a different request is told apart from a replay)."""

    request_digest: str
    status: int
    body: str


class WebhookDeliveryRepository(Protocol):
    async def find(self, *, delivery_id: str) -> RememberedAnswer | None: ...

    async def remember(
        self, *, delivery_id: str, answer: RememberedAnswer, received_at: datetime
    ) -> bool:
        """Store the answer; False (and nothing stored) when the id already has one."""
        ...


class WebhookDeliveryLog:
    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def recall(self, delivery_id: str) -> RememberedAnswer | None:
        async with self._uow() as tx:
            return await tx.webhook_deliveries.find(delivery_id=delivery_id)

    async def remember(self, delivery_id: str, answer: RememberedAnswer) -> RememberedAnswer:
        """Keep `answer` for `delivery_id`, unless another copy got there first: then that
        copy's answer, which is the one every later replay will get."""
        async with self._uow() as tx:
            stored = await tx.webhook_deliveries.remember(
                delivery_id=delivery_id, answer=answer, received_at=self._clock.now()
            )
        if stored:
            return answer
        async with self._uow() as tx:
            earlier = await tx.webhook_deliveries.find(delivery_id=delivery_id)
        return earlier or answer
