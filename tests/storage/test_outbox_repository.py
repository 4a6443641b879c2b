"""The outbox on both backends: events commit or vanish with their change, one replica holds an
incident at a time, and what a step did survives for the retry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.incidents.events import CardChanged, IncidentDeclared
from bot.core.incidents.model import Role
from bot.core.incidents.notices import RoleAssigned
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import IncidentBuilder

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LEASE = NOW + timedelta(seconds=60)


async def _incident(uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder) -> int:
    async with uow_factory() as uow:
        incident = await uow.incidents.add(incident=new_incident())
    assert incident.number is not None
    return incident.number


async def test_events_vanish_with_the_change_that_implied_them(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await _incident(uow_factory, new_incident)

    class UseCaseFailed(Exception):
        pass

    with pytest.raises(UseCaseFailed):
        async with uow_factory() as uow:
            await uow.outbox.add(incident_number=number, event=CardChanged(number=number), now=NOW)
            raise UseCaseFailed
    async with uow_factory() as uow:
        assert await uow.outbox.pending(incident_number=number) == []
        assert await uow.outbox.due_incidents(now=NOW, limit=10) == []


async def test_pending_events_come_back_in_order_as_they_were_recorded(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await _incident(uow_factory, new_incident)
    sent = [
        IncidentDeclared(number=number, origin_channel_id="C0GENERAL"),
        RoleAssigned(channel_id="C0INC", user_id="U0BOB", role=Role.COMMS),
        CardChanged(number=number),
    ]
    async with uow_factory() as uow:
        for event in sent:
            await uow.outbox.add(incident_number=number, event=event, now=NOW)
    async with uow_factory() as uow:
        pending = await uow.outbox.pending(incident_number=number)
    assert [entry.event for entry in pending] == sent
    assert [entry.created_at for entry in pending] == [NOW] * 3


async def test_two_replicas_racing_for_an_incident_one_holds_it_until_its_lease_lapses(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await _incident(uow_factory, new_incident)

    async def claim(who: str, now: datetime) -> bool:
        async with uow_factory() as uow:
            return await uow.outbox.claim(
                incident_number=number,
                claimant=who,
                now=now,
                lease_until=now + timedelta(seconds=60),
            )

    a, b = await asyncio.gather(claim("replica-a", NOW), claim("replica-b", NOW))
    assert sorted([a, b]) == [False, True]
    holder, other = ("replica-a", "replica-b") if a else ("replica-b", "replica-a")
    assert await claim(holder, NOW + timedelta(seconds=30))  # renewing one's own lease
    assert not await claim(other, NOW + timedelta(seconds=30))
    assert await claim(other, NOW + timedelta(seconds=91))  # the holder died: taken over


async def test_an_incident_held_or_waiting_for_a_retry_is_not_due(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    first = await _incident(uow_factory, new_incident)
    second = await _incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        await uow.outbox.add(incident_number=first, event=CardChanged(number=first), now=NOW)
        await uow.outbox.add(incident_number=second, event=CardChanged(number=second), now=NOW)
    async with uow_factory() as uow:
        assert await uow.outbox.due_incidents(now=NOW, limit=10) == [first, second]
        assert await uow.outbox.claim(
            incident_number=first, claimant="replica-a", now=NOW, lease_until=LEASE
        )
        [entry] = await uow.outbox.pending(incident_number=second)
        entry.attempts, entry.not_before, entry.last_error = 1, NOW + timedelta(seconds=4), "x"
        await uow.outbox.save(entry=entry)
    async with uow_factory() as uow:
        assert await uow.outbox.due_incidents(now=NOW, limit=10) == []
        assert await uow.outbox.due_incidents(now=NOW + timedelta(seconds=5), limit=10) == [second]
        await uow.outbox.release(incident_number=first, claimant="replica-a")
        assert await uow.outbox.due_incidents(now=NOW, limit=10) == [first]


async def test_a_steps_result_and_the_failure_count_survive_for_the_retry(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await _incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        await uow.outbox.add(incident_number=number, event=IncidentDeclared(number=number), now=NOW)
    async with uow_factory() as uow:
        [entry] = await uow.outbox.pending(incident_number=number)
        entry.steps["incident.channel"] = {"result": ["C0INC", "aiinc-1-refusals"]}
        entry.attempts, entry.last_error = 3, "SlackApiError: internal_error"
        await uow.outbox.save(entry=entry)
    async with uow_factory() as uow:
        [again] = await uow.outbox.pending(incident_number=number)
        [failing] = await uow.outbox.failing(min_attempts=3)
        oldest = await uow.outbox.oldest_pending()
    assert again.steps == {"incident.channel": {"result": ["C0INC", "aiinc-1-refusals"]}}
    assert again.is_retry and again.is_failing
    assert (failing.incident_number, failing.kind, failing.attempts) == (
        number,
        "IncidentDeclared",
        3,
    )
    assert oldest == NOW

    async with uow_factory() as uow:
        await uow.outbox.finish(entry_id=again.id, now=NOW)
    async with uow_factory() as uow:
        assert await uow.outbox.pending(incident_number=number) == []
        assert await uow.outbox.failing(min_attempts=3) == []
        assert await uow.outbox.prune(done_before=NOW) == 0  # kept a while
        assert await uow.outbox.prune(done_before=NOW + timedelta(days=8)) == 1


async def test_the_last_card_shown_is_remembered_per_incident(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await _incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        await uow.outbox.claim(
            incident_number=number, claimant="replica-a", now=NOW, lease_until=LEASE
        )
        assert await uow.outbox.last_card(incident_number=number) is None
        await uow.outbox.save_last_card(incident_number=number, digest="abc")
    async with uow_factory() as uow:
        assert await uow.outbox.last_card(incident_number=number) == "abc"
