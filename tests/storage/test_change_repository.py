"""The change ledger on each backend: idempotent inserts, the windowed reads behind the digest,
and a digest read in bounded queries that says exactly what the whole ledger would."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.core.changes.digest import build_digest
from bot.core.changes.ledger_digest import read_digest
from bot.core.changes.model import Change, ChangeKind, change_timeline_event
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import IncidentBuilder

T0 = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)
RECORDED = T0 + timedelta(days=1)


def change(external_id: str, **overrides: Any) -> Change:
    fields: dict[str, Any] = {
        "source": "github-actions",
        "external_id": external_id,
        "kind": ChangeKind.MODEL,
        "occurred_at": T0,
        "service": "legal-research-rag",
        "summary": f"change {external_id}",
    }
    return Change(**(fields | overrides))


async def store(uow_factory: SqlUnitOfWorkFactory, *changes: Change) -> list[Change]:
    async with uow_factory() as uow:
        return [(await uow.changes.add(change=c, recorded_at=RECORDED))[0] for c in changes]


async def test_a_change_comes_back_as_it_went_in(uow_factory: SqlUnitOfWorkFactory) -> None:
    sent = change(
        "sha-1",
        # Not UTC on purpose: the ledger must return the same instant, in UTC.
        occurred_at=datetime(2025, 6, 3, 14, 0, 0, 250, tzinfo=timezone(timedelta(hours=2))),
        before="gpt-4o-2024-08-06",
        after="gpt-4o-2024-11-20",
        url="https://github.com/acme/rag/commit/sha-1",
        actor="deploy-bot",
        attributes={
            "gen_ai.provider.name": "openai",
            "routing.traffic_percent": 20.5,
            "embedding.retrained": False,
            "prompt.labels": ["production", "latest"],
            "note": None,
        },
    )
    [stored] = await store(uow_factory, sent)
    async with uow_factory() as uow:
        loaded = await uow.changes.get(change_id=stored.id or 0)
        by_key = await uow.changes.get_by_key(source="github-actions", external_id="sha-1")

    assert stored.id is not None
    assert loaded == by_key == stored
    assert loaded is not None
    assert loaded.model_dump(exclude={"id"}) == sent.model_dump(exclude={"id"})
    assert loaded.occurred_at == datetime(2025, 6, 3, 12, 0, 0, 250, tzinfo=UTC)
    assert loaded.occurred_at.tzinfo == UTC


async def test_a_repeat_stores_nothing_returns_the_first_and_the_transaction_goes_on(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        first, first_new = await uow.changes.add(change=change("sha-1"), recorded_at=RECORDED)
        again, again_new = await uow.changes.add(
            change=change("sha-1", summary="a different story"), recorded_at=RECORDED
        )
        # Still usable: PostgreSQL refuses everything after a failed INSERT.
        other, other_new = await uow.changes.add(change=change("sha-2"), recorded_at=RECORDED)
    async with uow_factory() as uow:
        retried, retried_new = await uow.changes.add(change=change("sha-1"), recorded_at=RECORDED)
        everything = await uow.changes.newest(until=T0, limit=10)

    assert (first_new, again_new, other_new, retried_new) == (True, False, True, False)
    assert again == retried == first
    assert again.summary == "change sha-1"
    assert sorted(c.external_id for c in everything) == ["sha-1", "sha-2"]
    assert other.id != first.id


async def test_the_same_external_id_from_another_source_is_another_change(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await store(uow_factory, change("42"), change("42", source="langfuse"))
    async with uow_factory() as uow:
        assert len(await uow.changes.newest(until=T0, limit=10)) == 2


async def test_a_failed_batch_leaves_the_ledger_untouched(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.changes.add(change=change("sha-1"), recorded_at=RECORDED)
            await uow.changes.add(change=change("sha-2"), recorded_at=RECORDED)
            raise RuntimeError("the third entry failed")
    async with uow_factory() as uow:
        assert await uow.changes.newest(until=T0, limit=10) == []


async def test_newest_reads_the_window_newest_first_with_ties_by_ledger_order(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await store(
        uow_factory,
        change("too-old", occurred_at=T0 - timedelta(days=8)),
        change("at-since", occurred_at=T0 - timedelta(days=7)),
        change("tie-first", occurred_at=T0 - timedelta(days=1)),
        change("tie-second", occurred_at=T0 - timedelta(days=1)),
        change("at-until", occurred_at=T0),
        change("too-new", occurred_at=T0 + timedelta(seconds=1)),
    )
    async with uow_factory() as uow:
        window = await uow.changes.newest(since=T0 - timedelta(days=7), until=T0, limit=10)
        top_two = await uow.changes.newest(since=T0 - timedelta(days=7), until=T0, limit=2)

    assert [c.external_id for c in window] == ["at-until", "tie-second", "tie-first", "at-since"]
    assert [c.external_id for c in top_two] == ["at-until", "tie-second"]


async def test_filters_by_service_ignoring_case_with_or_without_provider_wide_changes(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await store(
        uow_factory,
        change("mine", service="Legal-Research-RAG", occurred_at=T0 - timedelta(hours=3)),
        change("global", service=None, occurred_at=T0 - timedelta(hours=2)),
        change("theirs", service="triage-assistant", occurred_at=T0 - timedelta(hours=1)),
    )
    async with uow_factory() as uow:
        only_mine = await uow.changes.newest(until=T0, limit=10, services=["legal-research-rag"])
        mine_and_global = await uow.changes.newest(
            until=T0, limit=10, services=[" legal-research-rag ", None]
        )
        counts = await uow.changes.count_by_kind(
            since=T0 - timedelta(days=1), until=T0, services=["LEGAL-RESEARCH-RAG", None]
        )

    assert [c.external_id for c in only_mine] == ["mine"]
    assert [c.external_id for c in mine_and_global] == ["global", "mine"]
    assert counts == {ChangeKind.MODEL: 2}


async def test_filters_by_kind_and_source_and_counts_per_kind(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await store(
        uow_factory,
        change("m1", kind=ChangeKind.MODEL),
        change("p1", kind=ChangeKind.PROMPT, source="langfuse"),
        change("p2", kind=ChangeKind.PROMPT),
        change("t1", kind=ChangeKind.TRAFFIC),
    )
    async with uow_factory() as uow:
        prompts = await uow.changes.newest(until=T0, limit=10, kinds={ChangeKind.PROMPT})
        from_langfuse = await uow.changes.newest(until=T0, limit=10, source="langfuse")
        nothing = await uow.changes.newest(until=T0, limit=10, kinds=set())
        counts = await uow.changes.count_by_kind(
            since=T0 - timedelta(days=1), until=T0, kinds={ChangeKind.PROMPT, ChangeKind.MODEL}
        )

    assert sorted(c.external_id for c in prompts) == ["p1", "p2"]
    assert [c.external_id for c in from_langfuse] == ["p1"]
    assert nothing == []
    assert counts == {ChangeKind.PROMPT: 2, ChangeKind.MODEL: 1}


def _random_ledger(seed: int, size: int) -> list[Change]:
    rng = random.Random(seed)
    services = ["legal-research-rag", "LEGAL-RESEARCH-RAG", "triage-assistant", None]
    kinds = list(ChangeKind)
    weights = [1, 12, 1, 2, 1, 1, 3, 2]  # a busy prompt registry, as in real ledgers
    return [
        change(
            f"c{index}",
            kind=rng.choices(kinds, weights)[0],
            service=rng.choice(services),
            # Whole hours, so that ties on the time (broken by ledger id) happen too.
            occurred_at=T0 - timedelta(hours=rng.randrange(0, 24 * 20)),
        )
        for index in range(size)
    ]


@pytest.mark.parametrize(
    ("service", "days", "max_items"),
    [
        ("legal-research-rag", 7, 20),
        ("Legal-Research-Rag", 14, 5),
        (None, 7, 3),
        (None, 1, 40),
        ("triage-assistant", 10, 1),
        ("nobody-uses-this", 7, 20),
    ],
)
async def test_the_bounded_digest_equals_the_digest_of_the_whole_ledger(
    uow_factory: SqlUnitOfWorkFactory, service: str | None, days: int, max_items: int
) -> None:
    ledger = await store(uow_factory, *_random_ledger(seed=days * 100 + max_items, size=400))
    start = T0 - timedelta(days=2)

    async with uow_factory() as uow:
        bounded = await read_digest(
            uow.changes,
            regression_start=start,
            now=T0,
            service=service,
            days=days,
            max_items=max_items,
        )
    whole = build_digest(
        ledger, regression_start=start, now=T0, service=service, days=days, max_items=max_items
    )

    assert bounded == whole
    assert bounded.total == whole.total > 0 or service == "nobody-uses-this"


async def test_a_bulk_add_answers_as_adding_one_by_one_would_with_repeats_in_and_across_batches(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    first_b = change("b")
    async with uow_factory() as uow:
        one = await uow.changes.add_many(
            changes=[change("c"), first_b, change("b", summary="a second b"), change("a")],
            recorded_at=RECORDED,
        )
    async with uow_factory() as uow:
        two = await uow.changes.add_many(
            changes=[change("d"), change("a", summary="late"), change("d"), change("c")],
            recorded_at=RECORDED,
        )

    assert [(c.external_id, new) for c, new in one] == [
        ("c", True),
        ("b", True),
        ("b", False),
        ("a", True),
    ]
    # Stored in key order (as one add after another in key order would): a, b, c.
    a, b, c = one[3][0], one[1][0], one[0][0]
    assert a.id is not None and b.id is not None and c.id is not None
    assert a.id < b.id < c.id
    assert one[2][0] == b and b.summary == first_b.summary == "change b"  # the first one wins
    assert [(c.external_id, new) for c, new in two] == [
        ("d", True),
        ("a", False),
        ("d", False),
        ("c", False),
    ]
    assert two[1][0] == a and two[3][0] == c and two[0][0] == two[2][0]
    async with uow_factory() as uow:
        for stored, _ in [*one, *two]:
            assert await uow.changes.get(change_id=stored.id or 0) == stored
        ledger = await uow.changes.newest(until=T0, limit=100)
    assert sorted(c.external_id for c in ledger) == ["a", "b", "c", "d"]


async def test_a_bulk_timeline_add_answers_as_adding_one_by_one_would(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    async with uow_factory() as uow:
        incident = await uow.incidents.add(incident=new_incident())
        stored = [
            c
            for c, _ in await uow.changes.add_many(
                changes=[change("t"), change("u")], recorded_at=RECORDED
            )
        ]
    number = incident.number or 0
    t, u = (change_timeline_event(c, incident_number=number, recorded_at=RECORDED) for c in stored)
    async with uow_factory() as uow:
        assert await uow.timeline.add(event=t)
        assert await uow.timeline.add_many(events=[u, t, u]) == [True, False, False]
        assert await uow.timeline.add_many(events=[]) == []
        on_timeline = await uow.timeline.list_for(incident_number=number)
    assert sorted(e.dedupe_key or "" for e in on_timeline) == [
        "change:github-actions:t",
        "change:github-actions:u",
    ]
