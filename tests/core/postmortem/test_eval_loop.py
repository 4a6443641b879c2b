"""The action items follow the regression cases: an eval-set item is done only once the cases
are in the eval set, and a gate item is verified by a gate run that passes all of them."""

from __future__ import annotations

import pytest

from bot.core.cases.forms import CaseInput, EvalRunInput
from bot.core.cases.model import CaseSource
from bot.core.cases.notices import GateRunReported
from bot.core.cases.service import CaseService, ExportFormat
from bot.core.postmortem.action_items_service import EvalSetNotReached
from bot.core.postmortem.analysis import ActionStatus
from bot.core.postmortem.reader import PostmortemReader
from tests.core.assembly import ALICE, BOB, Core
from tests.core.postmortem import submissions

DATASET_DIFF = "https://git.example.com/legal-rag/evals/-/commit/9f1c2ab"
RUN_URL = "https://ci.example.com/legal-rag/pipelines/8812"


def reader_of(core: Core) -> PostmortemReader:
    return PostmortemReader(uow=core.storage, directory=core.directory, clock=core.clock)


def cases_of(core: Core) -> CaseService:
    return CaseService(uow=core.storage, clock=core.clock, reader=reader_of(core))


async def capture(cases: CaseService, number: int, text: str, slice_: str = "new filings") -> str:
    captured = await cases.capture(
        number=number,
        actor=ALICE,
        form=CaseInput.check(
            {"input": text, "expected": "Cites only cases in the corpus", "slice": slice_}
        ),
        source=CaseSource.COMMAND,
    )
    assert captured is not None
    return captured.view.case.key


async def item(core: Core, category: str, title: str) -> int:
    added = await submissions.action(
        core, 1, actor=ALICE, title=title, category=category, owner=BOB
    )
    assert added is not None and added.item.id is not None
    return added.item.id


async def test_an_eval_set_item_is_refused_until_a_case_is_captured_and_exported() -> None:
    core = Core()
    await core.declare()
    cases = cases_of(core)
    eval_set = await item(core, "eval_set", "Add the fabricated-citation queries to the eval set")

    with pytest.raises(EvalSetNotReached, match="no regression case captured yet"):
        await submissions.complete(core, 1, eval_set, actor=BOB, artefact_url=DATASET_DIFF)

    await capture(cases, 1, "Which 2023 filings overrule Smith v. Jones?")
    await capture(cases, 1, "Summarise docket 23-cv-0412")
    with pytest.raises(EvalSetNotReached, match=r"2 cases have not left the bot.*cases export 1"):
        await submissions.complete(core, 1, eval_set, actor=BOB, artefact_url=DATASET_DIFF)
    [stored] = (await core.postmortems.analysis_of(1)).action_items
    assert stored.status is ActionStatus.OPEN

    await cases.export(1, ExportFormat.PROMPTFOO)
    done = await submissions.complete(core, 1, eval_set, actor=BOB, artefact_url=DATASET_DIFF)
    assert done is not None
    assert (done.item.status, done.item.artefact_url) == (ActionStatus.DONE, DATASET_DIFF)


async def test_a_case_captured_after_the_export_holds_the_item_back_again() -> None:
    core = Core()
    await core.declare()
    cases = cases_of(core)
    eval_set = await item(core, "eval_set", "Add the failing queries to the eval set")
    await capture(cases, 1, "first failing query")
    await cases.export(1, ExportFormat.JSONL)
    await capture(cases, 1, "second failing query")
    with pytest.raises(EvalSetNotReached, match="1 case has not left the bot"):
        await submissions.complete(core, 1, eval_set, actor=BOB, artefact_url=DATASET_DIFF)


async def test_a_gate_run_passing_every_case_verifies_the_gate_items() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    cases = cases_of(core)
    code = await item(core, "code", "Rebuild the index on every corpus update")
    gate = await item(core, "gate", "Block releases failing the incident's regression cases")
    first = await capture(cases, 1, "Which 2023 filings overrule Smith v. Jones?")
    second = await capture(cases, 1, "Summarise docket 23-cv-0412", slice_="dockets")

    # A run that leaves a case out verifies nothing: the gate item promises all of them.
    partial = await cases.record_run(
        EvalRunInput.check(
            {
                "suite": "legal-rag",
                "commit": "abc1234",
                "url": RUN_URL,
                "results": [{"case_id": first, "passed": True}],
            }
        )
    )
    assert partial.verified == {}
    # A run with a failing case verifies nothing either.
    await cases.record_run(
        EvalRunInput.check(
            {
                "suite": "legal-rag",
                "commit": "abc1235",
                "url": RUN_URL,
                "results": [
                    {"case_id": first, "passed": True},
                    {"case_id": second, "passed": False},
                ],
            }
        )
    )
    items = {i.id: i for i in (await core.postmortems.analysis_of(1)).action_items}
    assert items[gate].status is ActionStatus.OPEN

    core.slack.forget()
    passing = await cases.record_run(
        EvalRunInput.check(
            {
                "suite": "legal-rag",
                "commit": "def5678",
                "url": RUN_URL,
                "results": [
                    {"case_id": first, "passed": True},
                    {"case_id": second, "passed": True},
                ],
            }
        )
    )
    assert passing.verified == {1: [2]}
    analysis = await reader_of(core).analysis_of(1, with_timeline=True)
    items = {i.id: i for i in analysis.action_items}
    assert (items[gate].status, items[gate].artefact_url) == (ActionStatus.DONE, RUN_URL)
    assert items[code].status is ActionStatus.OPEN  # only gate items are a gate run's to verify
    [note] = [e for e in analysis.timeline if e.source == "gate:legal-rag@def5678"]
    assert "#2 verified" in note.summary
    [call] = core.slack.called("post_notice")
    assert isinstance(call["notice"], GateRunReported)
    assert (call["notice"].channel_id, call["notice"].verified) == (channel, (2,))
    # The postmortem now shows the cases with the run's verdict.
    assert [v.last.commit if v.last else None for v in analysis.cases] == ["def5678"] * 2


async def test_a_run_without_a_url_leaves_the_gate_item_open() -> None:
    core = Core()
    await core.declare()
    cases = cases_of(core)
    gate = await item(core, "gate", "Gate releases on the regression cases")
    key = await capture(cases, 1, "Which 2023 filings overrule Smith v. Jones?")
    recorded = await cases.record_run(
        EvalRunInput.check(
            {
                "suite": "legal-rag",
                "commit": "abc1234",
                "results": [{"case_id": key, "passed": True}],
            }
        )
    )
    assert recorded.verified == {}
    [stored] = [i for i in (await core.postmortems.analysis_of(1)).action_items if i.id == gate]
    assert stored.status is ActionStatus.OPEN  # an item is done only with an artefact
