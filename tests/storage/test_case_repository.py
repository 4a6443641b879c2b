"""Regression cases and gate runs on each backend: a case comes back as it went in, the same
example captured twice (even by two replicas at once) is one row, exports and pushes keep their
first time, and each case's last verdict is the latest run that included it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.cases.model import (
    CaseSource,
    EvalRun,
    Expectation,
    RegressionCase,
    Risk,
    Verdict,
    Versions,
    case_key,
)
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import BERLIN_SUMMER, IncidentBuilder

T0 = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)


def case(
    number: int, text: str = "What is the notice period in Bavaria?", **extra: Any
) -> RegressionCase:
    fields: dict[str, Any] = {
        "incident_number": number,
        "key": case_key(number, text, "Three months."),
        "input": text,
        "expected": "Three months.",
        "created_at": T0,
    }
    return RegressionCase(**(fields | extra))


async def incident(uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder) -> int:
    async with uow_factory() as uow:
        stored = await uow.incidents.add(incident=new_incident())
    assert stored.number is not None
    return stored.number


async def test_a_case_comes_back_as_it_went_in(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await incident(uow_factory, new_incident)
    sent = case(
        number,
        observed="One month.",
        expectation=Expectation.REFERENCE,
        slice="de-labour-law",
        risk=Risk.HIGH,
        trace_url="https://langfuse.example/trace/abc",
        versions=Versions(request_model="gpt-4o", provider_name="openai", prompt_version="41"),
        source=CaseSource.SLACK_MESSAGE,
        source_url="https://acme.slack.com/archives/C1/p1",
        created_by="U0RESPONDER",
        # Not UTC on purpose: storage must return the same instant, in UTC.
        created_at=datetime(2025, 6, 3, 14, 0, tzinfo=BERLIN_SUMMER),
    )
    async with uow_factory() as uow:
        stored, created = await uow.cases.add(case=sent)
    async with uow_factory() as uow:
        loaded = await uow.cases.get(incident_number=number, case_id=stored.id or 0)
        elsewhere = await uow.cases.get(incident_number=number + 1, case_id=stored.id or 0)

    assert created and stored.id is not None
    assert loaded == stored == sent.model_copy(update={"id": stored.id})
    assert loaded.created_at.tzinfo is not None and loaded.created_at == sent.created_at
    assert elsewhere is None  # a case is reached through its own incident only


async def test_the_same_example_captured_twice_is_one_case(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        first, first_created = await uow.cases.add(case=case(number, created_by="U1"))
    async with uow_factory() as uow:
        again, again_created = await uow.cases.add(case=case(number, created_by="U2"))
        cases = await uow.cases.list_for(incident_number=number)

    assert (first_created, again_created) == (True, False)
    assert again == first and again.created_by == "U1"
    assert cases == [first]


async def test_two_replicas_capturing_the_same_example_store_one(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await incident(uow_factory, new_incident)

    async def capture(actor: str) -> tuple[RegressionCase, bool]:
        async with uow_factory() as uow:
            return await uow.cases.add(case=case(number, created_by=actor))

    results = await asyncio.gather(capture("U1"), capture("U2"))
    async with uow_factory() as uow:
        stored = await uow.cases.list_for(incident_number=number)

    assert sorted(created for _, created in results) == [False, True]
    assert len(stored) == 1 and all(found == stored[0] for found, _ in results)


async def test_edit_list_and_remove(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await incident(uow_factory, new_incident)
    other = await incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        a, _ = await uow.cases.add(case=case(number, "first"))
        b, _ = await uow.cases.add(case=case(number, "second"))
        await uow.cases.add(case=case(other, "elsewhere"))
    edited = a.model_copy(update={"expected": "Six weeks.", "slice": "de", "observed": None})
    async with uow_factory() as uow:
        await uow.cases.save(case=edited)
        removed_elsewhere = await uow.cases.remove(incident_number=other, case_id=b.id or 0)
        removed = await uow.cases.remove(incident_number=number, case_id=b.id or 0)
        removed_again = await uow.cases.remove(incident_number=number, case_id=b.id or 0)
    async with uow_factory() as uow:
        cases = await uow.cases.list_for(incident_number=number)

    assert (removed_elsewhere, removed, removed_again) == (False, True, False)
    assert cases == [edited] and cases[0].key == a.key


async def test_export_and_push_keep_their_first_time(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await incident(uow_factory, new_incident)
    other = await incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        a, _ = await uow.cases.add(case=case(number, "first"))
        untouched, _ = await uow.cases.add(case=case(other, "elsewhere"))
        await uow.cases.mark_exported(incident_number=number, at=T0)
        await uow.cases.mark_pushed(keys=[a.key], dataset="rag-regressions", at=T0)
    async with uow_factory() as uow:
        b, _ = await uow.cases.add(case=case(number, "second"))
        later = T0 + timedelta(days=1)
        await uow.cases.mark_exported(incident_number=number, at=later)
        await uow.cases.mark_pushed(keys=[a.key, b.key], dataset="rag-regressions-v2", at=later)
    async with uow_factory() as uow:
        first, second = await uow.cases.list_for(incident_number=number)
        [elsewhere] = await uow.cases.list_for(incident_number=other)

    assert (first.exported_at, second.exported_at) == (T0, later)
    assert (first.pushed_at, second.pushed_at) == (T0, later)
    assert first.dataset == second.dataset == "rag-regressions-v2"
    assert elsewhere == untouched and not elsewhere.in_eval_set


async def test_by_keys_finds_only_known_cases(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        a, _ = await uow.cases.add(case=case(number, "first"))
        b, _ = await uow.cases.add(case=case(number, "second"))
        found = await uow.cases.by_keys(keys=[b.key, "aiinc-9-000000000000", a.key, b.key])

    assert found == [a, b]


async def test_the_last_verdict_is_the_latest_run_that_included_the_case(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        a, _ = await uow.cases.add(case=case(number, "first"))
        b, _ = await uow.cases.add(case=case(number, "second"))
        never, _ = await uow.cases.add(case=case(number, "never run"))

    def run(commit: str, at: datetime, **verdicts: bool) -> EvalRun:
        return EvalRun(
            suite="rag-gate",
            commit=commit,
            url=f"https://ci.example/{commit}",
            reported_at=at,
            verdicts=[Verdict(case_key=key, passed=passed) for key, passed in verdicts.items()],
        )

    async with uow_factory() as uow:
        first = await uow.eval_runs.add(run=run("aaaa", T0, **{a.key: False, b.key: False}))
        second = await uow.eval_runs.add(run=run("bbbb", T0 + timedelta(hours=1), **{a.key: True}))
        # Reported at the same instant as the second: the later id decides.
        third = await uow.eval_runs.add(run=run("cccc", T0 + timedelta(hours=1), **{a.key: False}))
    async with uow_factory() as uow:
        last = await uow.eval_runs.last_verdicts(keys=[a.key, b.key, never.key])

    assert first.id is not None and second.id is not None and third.id is not None
    assert set(last) == {a.key, b.key}
    assert (last[a.key].commit, last[a.key].passed, last[a.key].run_id) == ("cccc", False, third.id)
    assert (last[b.key].commit, last[b.key].passed) == ("aaaa", False)
    assert last[b.key].url == "https://ci.example/aaaa" and last[b.key].reported_at == T0


async def test_a_case_named_twice_in_one_run_counts_once(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = await incident(uow_factory, new_incident)
    async with uow_factory() as uow:
        a, _ = await uow.cases.add(case=case(number))
        await uow.eval_runs.add(
            run=EvalRun(
                suite="rag-gate",
                commit="abcd",
                reported_at=T0,
                verdicts=[
                    Verdict(case_key=a.key, passed=False),
                    Verdict(case_key=a.key, passed=True),
                ],
            )
        )
    async with uow_factory() as uow:
        last = await uow.eval_runs.last_verdicts(keys=[a.key])

    assert last[a.key].passed is True
