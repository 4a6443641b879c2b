"""A Slack event id is handled once, however often Slack delivers it and however many
replicas receive it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from storage.unit_of_work import SqlUnitOfWorkFactory

RECEIVED = datetime(2025, 6, 3, 9, 0, tzinfo=UTC)


async def test_an_event_is_claimed_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        first = await uow.processed_events.claim(event_id="Ev01", received_at=RECEIVED)
        same_transaction = await uow.processed_events.claim(event_id="Ev01", received_at=RECEIVED)
        other = await uow.processed_events.claim(event_id="Ev02", received_at=RECEIVED)
    async with uow_factory() as uow:
        redelivery = await uow.processed_events.claim(event_id="Ev01", received_at=RECEIVED)

    assert (first, same_transaction, other, redelivery) == (True, False, True, False)


async def test_two_workers_racing_for_one_event_claim_it_once(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async def worker() -> bool:
        async with uow_factory() as uow:
            return await uow.processed_events.claim(event_id="Ev99", received_at=RECEIVED)

    outcomes = await asyncio.gather(worker(), worker())
    assert sorted(outcomes) == [False, True]


async def test_an_unclaimed_event_stays_claimable_after_a_rollback(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    class HandlerError(Exception):
        pass

    try:
        async with uow_factory() as uow:
            await uow.processed_events.claim(event_id="Ev03", received_at=RECEIVED)
            raise HandlerError
    except HandlerError:
        pass

    async with uow_factory() as uow:
        assert await uow.processed_events.claim(event_id="Ev03", received_at=RECEIVED)
