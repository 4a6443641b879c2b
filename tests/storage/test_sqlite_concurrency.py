"""Two writers on one SQLite file, as the default single-process deployment has all the time
(a slash command and a reminder tick at once): both succeed and neither undoes the other."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from bot.core.incidents.model import Incident
from bot.core.timeline import TimelineEvent
from storage.engine import create_engine, create_session_factory
from storage.unit_of_work import SqlUnitOfWorkFactory

IncidentBuilder = Callable[..., Incident]
EventBuilder = Callable[..., TimelineEvent]
# How long each writer waits for the other to have read before it writes. Long enough for both
# to read first when nothing serialises them (the case that used to fail), and harmless when
# something does: the waiting writer is simply blocked and the other goes ahead.
INTERLEAVE_WAIT_SECONDS = 0.3


@pytest.fixture
async def sqlite_uow_factory(sqlite_url: str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(sqlite_url)
    try:
        yield SqlUnitOfWorkFactory(create_session_factory(engine))
    finally:
        await engine.dispose()


async def test_two_read_then_write_transactions_both_land(
    sqlite_uow_factory: SqlUnitOfWorkFactory,
    new_incident: IncidentBuilder,
    new_event: EventBuilder,
) -> None:
    async with sqlite_uow_factory() as uow:
        incident = await uow.incidents.add(incident=new_incident(description="log:"))
    number = incident.number
    assert number is not None
    has_read = {"a": asyncio.Event(), "b": asyncio.Event()}

    async def writer(me: str, other: str) -> None:
        async with sqlite_uow_factory() as uow:
            current = await uow.incidents.get(number=number)
            assert current is not None
            has_read[me].set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(has_read[other].wait(), INTERLEAVE_WAIT_SECONDS)
            current.description = f"{current.description} {me}"
            await uow.incidents.save(incident=current)
            await uow.timeline.add(event=new_event(number, summary=f"note from {me}"))

    await asyncio.gather(writer("a", "b"), writer("b", "a"))

    async with sqlite_uow_factory() as uow:
        final = await uow.incidents.get(number=number)
        events = await uow.timeline.list_for(incident_number=number)
    assert final is not None
    assert sorted((final.description or "").split()[1:]) == ["a", "b"]
    assert sorted(e.summary for e in events) == ["note from a", "note from b"]
