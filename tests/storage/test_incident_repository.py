"""Incidents survive a round trip through the database unchanged, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import DuplicateDeclaration, IncidentNotFound
from bot.core.incidents.model import Category, HowDetected, Incident, Role, Severity, Status
from storage.unit_of_work import SqlUnitOfWorkFactory

IncidentBuilder = Callable[..., Incident]


def _datetimes(incident: Incident) -> dict[str, datetime]:
    return {
        name: value
        for name in Incident.model_fields
        if isinstance(value := getattr(incident, name), datetime)
    }


async def test_every_field_comes_back_as_it_went_in(
    uow_factory: SqlUnitOfWorkFactory, complete_incident: Incident
) -> None:
    async with uow_factory() as uow:
        added = await uow.incidents.add(incident=complete_incident)

    async with uow_factory() as uow:
        loaded = await uow.incidents.get(number=added.number or 0)

    assert loaded is not None
    assert added.number == loaded.number == 1
    assert loaded.model_dump(exclude={"number"}) == complete_incident.model_dump(exclude={"number"})
    assert loaded.severity is Severity.S1
    assert loaded.category is Category.RELEASE_GATE_ESCAPE
    assert loaded.how_detected is HowDetected.DASHBOARD_ALERT
    assert loaded.status is Status.OPEN
    # Same instants, and all of them timezone-aware UTC whatever zone they were given in.
    assert _datetimes(loaded) == _datetimes(complete_incident)
    assert {value.utcoffset() for value in _datetimes(loaded).values()} == {timedelta(0)}


async def test_numbers_are_handed_out_in_order(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    async with uow_factory() as uow:
        first = await uow.incidents.add(incident=new_incident(title="first"))
        second = await uow.incidents.add(incident=new_incident(title="second"))
    assert (first.number, second.number) == (1, 2)


async def test_found_by_channel_and_by_declare_key(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    async with uow_factory() as uow:
        await uow.incidents.add(incident=new_incident(channel_id="C1", declare_key="k1"))
        added = await uow.incidents.add(incident=new_incident(channel_id="C2", declare_key="k2"))

    async with uow_factory() as uow:
        by_channel = await uow.incidents.get_by_channel(channel_id="C2")
        by_key = await uow.incidents.get_by_declare_key(key="k2")
        assert await uow.incidents.get_by_channel(channel_id="C-unknown") is None
        assert await uow.incidents.get_by_declare_key(key="k-unknown") is None
        assert await uow.incidents.get(number=999) is None

    assert by_channel is not None and by_channel.number == added.number
    assert by_key is not None and by_key.number == added.number


async def test_open_list_leaves_closed_incidents_out(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    async with uow_factory() as uow:
        provisioned = await uow.incidents.add(incident=new_incident(channel_id="C1"))
        await uow.incidents.add(
            incident=new_incident(
                channel_id="C2",
                status=Status.CLOSED,
                closed_at=datetime(2025, 6, 4, tzinfo=UTC),
            )
        )
        crashed = await uow.incidents.add(incident=new_incident(channel_id=None))

    async with uow_factory() as uow:
        open_numbers = [i.number for i in await uow.incidents.list_open()]

    assert open_numbers == [provisioned.number, crashed.number]


async def test_save_writes_every_change_back(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    async with uow_factory() as uow:
        incident = await uow.incidents.add(incident=new_incident())

    closed_at = datetime(2025, 6, 5, 17, 0, tzinfo=UTC)
    incident.phase = "post-incident"
    incident.severity = Severity.S3
    incident.status = Status.CLOSED
    incident.closed_at = closed_at
    incident.channel_id = "C9"
    incident.assign_role(Role.SCRIBE, "U0SCRIBE")
    async with uow_factory() as uow:
        await uow.incidents.save(incident=incident)

    async with uow_factory() as uow:
        loaded = await uow.incidents.get(number=incident.number or 0)
        still_open = await uow.incidents.list_open()
    assert loaded == incident
    assert loaded.closed_at == closed_at and loaded.closed_at.tzinfo == UTC
    assert still_open == []


async def test_saving_an_unknown_incident_is_an_error(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    with pytest.raises(IncidentNotFound):
        async with uow_factory() as uow:
            await uow.incidents.save(incident=new_incident(number=41))


async def test_a_repeated_declare_key_is_reported_and_the_transaction_goes_on(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    async with uow_factory() as uow:
        original = await uow.incidents.add(incident=new_incident(declare_key="click-1"))

    async with uow_factory() as uow:
        with pytest.raises(DuplicateDeclaration) as raised:
            await uow.incidents.add(incident=new_incident(title="again", declare_key="click-1"))
        # The use case can still read and write in the same transaction (PostgreSQL would
        # refuse everything after a failed INSERT).
        existing = await uow.incidents.get_by_declare_key(key="click-1")
        other = await uow.incidents.add(incident=new_incident(declare_key="click-2"))

    assert raised.value.key == "click-1"
    assert existing is not None and existing.number == original.number
    async with uow_factory() as uow:
        assert [i.number for i in await uow.incidents.list_open()] == [
            original.number,
            other.number,
        ]


async def test_a_naive_datetime_is_refused(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    naive = new_incident(declared_at=datetime(2025, 6, 3, 9, 30))  # noqa: DTZ001 - the point
    with pytest.raises(ValueError, match="naive datetime"):
        async with uow_factory() as uow:
            await uow.incidents.add(incident=naive)
