"""An incident's timeline: stored in time order, each deduplicated fact stored once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.core.incidents.model import Incident
from bot.core.timeline import Axis, TimelineEvent, TimelineKind
from storage.unit_of_work import SqlUnitOfWorkFactory

IncidentBuilder = Callable[..., Incident]
EventBuilder = Callable[..., TimelineEvent]
T0 = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)


async def _incident_number(uow_factory: SqlUnitOfWorkFactory, build: IncidentBuilder) -> int:
    async with uow_factory() as uow:
        incident = await uow.incidents.add(incident=build())
    assert incident.number is not None
    return incident.number


async def test_events_come_back_in_the_order_they_happened(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder, new_event: EventBuilder
) -> None:
    number = await _incident_number(uow_factory, new_incident)
    other = await _incident_number(uow_factory, new_incident)
    async with uow_factory() as uow:
        for summary, occurred_at in [
            ("declared", T0 + timedelta(hours=2)),
            ("pinned earlier message", T0),
            ("note at the same minute, recorded later", T0),
        ]:
            await uow.timeline.add(
                event=new_event(number, summary=summary, occurred_at=occurred_at)
            )
        await uow.timeline.add(event=new_event(other, summary="another incident's note"))

    async with uow_factory() as uow:
        events = await uow.timeline.list_for(incident_number=number)

    # Ties on occurred_at keep the order the bot recorded them in.
    assert [e.summary for e in events] == [
        "pinned earlier message",
        "note at the same minute, recorded later",
        "declared",
    ]


async def test_an_event_comes_back_as_it_went_in(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder, new_event: EventBuilder
) -> None:
    number = await _incident_number(uow_factory, new_incident)
    event = new_event(
        number,
        occurred_at=datetime(2025, 6, 3, 10, 15, tzinfo=UTC) + timedelta(microseconds=250),
        kind=TimelineKind.MODEL_CHANGE,
        axis=Axis.MODEL,
        actor="U0ALICE",
        source="api",
        summary="Routed 20% of traffic to gpt-4.1-mini",
        details={
            "gen_ai.request.model": "gpt-4.1-mini",
            "routing": {"traffic_percent": 20, "rules": ["refunds", "billing"]},
            "rollback": None,
        },
        permalink="https://example.slack.com/archives/C1/p1717400000000100",
        dedupe_key="change:deploybot:4711",
    )
    async with uow_factory() as uow:
        assert await uow.timeline.add(event=event)

    async with uow_factory() as uow:
        [loaded] = await uow.timeline.list_for(incident_number=number)

    assert loaded.id is not None
    assert loaded.model_dump(exclude={"id"}) == event.model_dump(exclude={"id"})
    assert loaded.kind is TimelineKind.MODEL_CHANGE and loaded.axis is Axis.MODEL
    assert loaded.occurred_at.tzinfo == UTC and loaded.recorded_at.tzinfo == UTC


async def test_a_repeated_dedupe_key_stores_nothing_and_the_transaction_goes_on(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder, new_event: EventBuilder
) -> None:
    number = await _incident_number(uow_factory, new_incident)
    async with uow_factory() as uow:
        first = await uow.timeline.add(
            event=new_event(number, summary="pinned once", dedupe_key="pin:C1:1717.1")
        )
        again = await uow.timeline.add(
            event=new_event(number, summary="pinned twice", dedupe_key="pin:C1:1717.1")
        )
        # Still usable: PostgreSQL would refuse everything after a failed INSERT.
        after = await uow.timeline.add(event=new_event(number, summary="a note"))

    async with uow_factory() as uow:
        redelivered = await uow.timeline.add(
            event=new_event(number, summary="pinned, redelivered", dedupe_key="pin:C1:1717.1")
        )
        events = await uow.timeline.list_for(incident_number=number)

    assert (first, again, after, redelivered) == (True, False, True, False)
    assert sorted(e.summary for e in events) == ["a note", "pinned once"]


async def test_events_without_a_dedupe_key_never_collide(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder, new_event: EventBuilder
) -> None:
    number = await _incident_number(uow_factory, new_incident)
    async with uow_factory() as uow:
        stored = [await uow.timeline.add(event=new_event(number)) for _ in range(2)]
        events = await uow.timeline.list_for(incident_number=number)
    assert stored == [True, True]
    assert len(events) == 2


async def test_an_event_for_a_missing_incident_is_refused(
    uow_factory: SqlUnitOfWorkFactory, new_event: EventBuilder
) -> None:
    with pytest.raises(IntegrityError):
        async with uow_factory() as uow:
            await uow.timeline.add(event=new_event(404))
