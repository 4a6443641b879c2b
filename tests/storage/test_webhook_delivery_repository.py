"""A signed delivery's answer is kept once: of two copies answered at once, the first stored
wins, and every later replay reads that one (on each backend)."""

from __future__ import annotations

import asyncio

from bot.core.clock import SystemClock
from bot.core.webhook_deliveries import RememberedAnswer, WebhookDeliveryLog
from storage.unit_of_work import SqlUnitOfWorkFactory


def _answer(number: int) -> RememberedAnswer:
    return RememberedAnswer(request_digest="d" * 64, status=201, body=f'{{"number": {number}}}')


async def test_an_answer_is_kept_once_and_read_back_as_stored(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    log = WebhookDeliveryLog(uow=uow_factory, clock=SystemClock())

    assert await log.recall("msg_1") is None
    kept = await log.remember("msg_1", _answer(1))
    later = await log.remember("msg_1", _answer(2))

    assert kept == later == _answer(1)
    assert await log.recall("msg_1") == _answer(1)
    assert await log.recall("msg_2") is None


async def test_two_copies_answered_at_once_both_get_the_answer_stored_first(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    log = WebhookDeliveryLog(uow=uow_factory, clock=SystemClock())

    first, second = await asyncio.gather(
        log.remember("msg_race", _answer(1)), log.remember("msg_race", _answer(2))
    )

    assert first == second == await log.recall("msg_race")
