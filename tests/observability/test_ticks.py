"""Each run of a tick has its own id in the logs, like a request."""

from __future__ import annotations

import asyncio

from bot.observability.request_id import current_request_id
from bot.scheduler import start_ticks


async def test_each_tick_run_has_an_id_of_its_own() -> None:
    seen: list[str | None] = []
    ran = asyncio.Event()

    async def tick() -> None:
        seen.append(current_request_id())
        ran.set()

    scheduler = start_ticks({"reminder-tick": (tick, 3600.0)})
    assert scheduler is not None
    try:
        await asyncio.wait_for(ran.wait(), 30)  # the first run starts at once
    finally:
        scheduler.shutdown(wait=False)
    [tick_id] = seen
    assert tick_id is not None and current_request_id() != tick_id
