"""One use case, one transaction: all of its writes land, or none do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.core.incidents.model import Incident
from bot.core.timeline import TimelineEvent
from storage.unit_of_work import SqlUnitOfWorkFactory

IncidentBuilder = Callable[..., Incident]
EventBuilder = Callable[..., TimelineEvent]


class UseCaseError(Exception):
    pass


async def test_an_exception_leaves_nothing_behind(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder, new_event: EventBuilder
) -> None:
    with pytest.raises(UseCaseError):
        async with uow_factory() as uow:
            incident = await uow.incidents.add(incident=new_incident(declare_key="k1"))
            number = incident.number
            assert number is not None
            await uow.timeline.add(event=new_event(number, dedupe_key="d1"))
            await uow.processed_events.claim(
                event_id="Ev1", received_at=datetime(2025, 6, 3, tzinfo=UTC)
            )
            raise UseCaseError

    assert number is not None
    async with uow_factory() as uow:
        assert await uow.incidents.list_open() == []
        assert await uow.incidents.get_by_declare_key(key="k1") is None
        assert await uow.timeline.list_for(incident_number=number) == []
        assert await uow.processed_events.claim(
            event_id="Ev1", received_at=datetime(2025, 6, 3, tzinfo=UTC)
        )


async def test_a_clean_exit_commits_everything(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder, new_event: EventBuilder
) -> None:
    async with uow_factory() as uow:
        incident = await uow.incidents.add(incident=new_incident())
        assert incident.number is not None
        await uow.timeline.add(event=new_event(incident.number))

    async with uow_factory() as uow:
        assert [i.number for i in await uow.incidents.list_open()] == [incident.number]
        assert len(await uow.timeline.list_for(incident_number=incident.number)) == 1


async def test_a_unit_of_work_is_used_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    uow = uow_factory()
    async with uow:
        pass
    with pytest.raises(RuntimeError, match="single use"):
        async with uow:
            pass
