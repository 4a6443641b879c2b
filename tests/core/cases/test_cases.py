"""Regression cases through the use cases, on fakes: captured once however often they are sent,
edited under the same key, exported as an eval runner reads them, and judged by gate runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from bot.core.cases.forms import CaseInput, EvalRunInput
from bot.core.cases.model import CaseSource
from bot.core.cases.notices import CaseCaptured, GateRunReported
from bot.core.cases.service import ExportFormat
from bot.core.forms import FormInvalid
from tests.core.assembly import ALICE, BOB, Core

QUESTION = "Which court decided Müller v. Land Berlin?"
ANSWER = "The case does not exist; the assistant must say it cannot find it."


def form(**overrides: Any) -> CaseInput:
    raw: dict[str, Any] = {
        "input": QUESTION,
        "observed": "The Federal Labour Court, in 2019.",
        "expected": ANSWER,
        "expectation": "must",
        "slice": "case-law",
        "risk": "high",
        "request_model": "gpt-4o-2024-11-20",
    }
    return CaseInput.check(raw | overrides)


async def capture(core: Core, number: int, **overrides: Any) -> Any:
    captured = await core.cases.capture(
        number=number, actor=ALICE, form=form(**overrides), source=CaseSource.COMMAND
    )
    assert captured is not None
    return captured


def notices(core: Core, kind: type) -> list[Any]:
    return [
        call["notice"]
        for call in core.slack.called("post_notice")
        if isinstance(call["notice"], kind)
    ]


async def test_a_capture_tells_the_channel_and_the_card_counts_it() -> None:
    core = Core()
    incident = await core.declare()
    core.slack.forget()

    captured = await capture(core, incident.number or 0)

    assert captured.created and captured.view.last is None
    case = captured.view.case
    assert case.key.startswith(f"aiinc-{incident.number}-") and case.created_by == ALICE
    [told] = notices(core, CaseCaptured)
    assert told.channel_id == incident.channel_id and told.key == case.key and told.total == 1
    [card_update] = core.slack.called("update_card")
    assert card_update["card"].cases == 1


async def test_a_repeat_capture_stores_nothing_and_says_so() -> None:
    core = Core()
    incident = await core.declare()
    first = await capture(core, incident.number or 0)
    core.slack.forget()

    # Same input and expectation, other details: the same failing example.
    again = await core.cases.capture(
        number=incident.number or 0, actor=BOB, form=form(slice="other"), source=CaseSource.API
    )

    assert again is not None and not again.created
    assert again.view.case == first.view.case
    assert core.slack.calls == []
    assert len(await core.cases.list(incident.number or 0)) == 1


async def test_edit_keeps_the_key_and_remove_takes_the_case_off_the_card() -> None:
    core = Core()
    incident = await core.declare()
    number = incident.number or 0
    captured = await capture(core, number)
    case_id = captured.view.case.id

    edited = await core.cases.edit(
        number=number,
        case_id=case_id,
        actor=BOB,
        form=form(expected="Say no such case is on record.", expectation="must_not"),
    )
    assert edited.case.key == captured.view.case.key
    assert edited.case.expected == "Say no such case is on record."
    assert [v.case for v in await core.cases.list(number)] == [edited.case]

    core.slack.forget()
    await core.cases.remove(number=number, case_id=case_id, actor=BOB)
    await core.cases.remove(number=number, case_id=case_id, actor=BOB)  # already gone: fine

    assert await core.cases.list(number) == []
    [card_update] = core.slack.called("update_card")
    assert card_update["card"].cases == 0


async def test_export_marks_the_cases_and_a_re_export_changes_nothing() -> None:
    core = Core()
    incident = await core.declare()
    number = incident.number or 0
    await capture(core, number)
    await capture(core, number, input="Summarise BAG 2 AZR 12/20.", expectation="reference")

    first = await core.cases.export(number, ExportFormat.JSONL)
    exported = [view.case.exported_at for view in await core.cases.list(number)]
    core.clock.advance(hours=2)
    again = await core.cases.export(number, ExportFormat.JSONL)

    assert again == first
    assert all(at is not None for at in exported)
    assert [view.case.exported_at for view in await core.cases.list(number)] == exported
    records = [json.loads(line) for line in first.splitlines()]
    assert [r["input"] for r in records] == [QUESTION, "Summarise BAG 2 AZR 12/20."]
    assert records[0]["attributes"] == {"gen_ai.request.model": "gpt-4o-2024-11-20"}

    tests = yaml.safe_load(await core.cases.export(number, ExportFormat.PROMPTFOO))
    assert [t["assert"][0]["type"] for t in tests] == ["llm-rubric", "factuality"]
    assert [t["metadata"]["case_id"] for t in tests] == [r["id"] for r in records]


async def test_a_gate_run_stores_verdicts_and_the_list_shows_the_last() -> None:
    core = Core()
    incident = await core.declare()
    number = incident.number or 0
    a = (await capture(core, number)).view.case
    b = (await capture(core, number, input="Another question")).view.case
    core.slack.forget()

    recorded = await core.cases.record_run(
        EvalRunInput.check(
            {
                "suite": "rag-gate",
                "commit": "abc1234",
                "url": "https://ci.example/runs/1",
                "results": [
                    {"case_id": a.key, "passed": True},
                    {"case_id": b.key, "passed": False},
                ],
            }
        )
    )

    assert recorded.incidents == [number]
    last = {
        view.case.key: (view.last.passed, view.last.commit) if view.last else None
        for view in await core.cases.list(number)
    }
    assert last == {a.key: (True, "abc1234"), b.key: (False, "abc1234")}
    [told] = notices(core, GateRunReported)
    assert (told.passed, told.total, told.failing) == (1, 2, (b.key,))


async def test_a_run_naming_unknown_cases_is_refused_whole() -> None:
    core = Core()
    incident = await core.declare()
    number = incident.number or 0
    a = (await capture(core, number)).view.case

    with pytest.raises(FormInvalid) as refused:
        await core.cases.record_run(
            EvalRunInput.check(
                {
                    "suite": "rag-gate",
                    "commit": "abc1234",
                    "results": [
                        {"case_id": a.key, "passed": True},
                        {"case_id": "aiinc-99-ffffffffffff", "passed": True},
                    ],
                }
            )
        )

    assert "aiinc-99-ffffffffffff" in refused.value.errors["results"]
    assert a.key not in refused.value.errors["results"]
    # Nothing stored: the known case named in the refused run has no verdict either.
    assert [view.last for view in await core.cases.list(number)] == [None]


async def test_promptfoo_and_jsonl_result_files_map_by_id() -> None:
    core = Core()
    incident = await core.declare()
    number = incident.number or 0
    a = (await capture(core, number)).view.case
    b = (await capture(core, number, input="Another question")).view.case
    promptfoo = {
        "results": {
            "results": [
                {"testCase": {"metadata": {"case_id": a.key}}, "success": False},
                {"testCase": {"metadata": {"case_id": b.key}}, "success": True},
            ]
        }
    }
    await core.cases.record_run(
        EvalRunInput.check({"suite": "pf", "commit": "1111aaaa", "promptfoo": promptfoo})
    )
    first = {v.case.key: v.last.passed for v in await core.cases.list(number) if v.last}
    core.clock.advance(minutes=5)
    lines = "\n".join(json.dumps({"case_id": key, "passed": True}) for key in (a.key, b.key))
    await core.cases.record_run(
        EvalRunInput.check({"suite": "plain", "commit": "2222bbbb", "jsonl": lines + "\n"})
    )
    second = {
        v.case.key: (v.last.passed, v.last.suite) for v in await core.cases.list(number) if v.last
    }

    assert first == {a.key: False, b.key: True}
    assert second == {a.key: (True, "plain"), b.key: (True, "plain")}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"promptfoo": {"results": {"results": [{"success": True}]}}}, "promptfoo"),
        ({"promptfoo": {"results": "nope"}}, "promptfoo"),
        ({"jsonl": "{not json\n"}, "jsonl"),
        ({"jsonl": '{"case_id": "x"}\n'}, "jsonl"),
        ({"results": [{"passed": True}]}, "results"),
        ({}, "results"),
        ({"results": [{"case_id": "x", "passed": True}], "jsonl": "x"}, "results"),
    ],
    ids=["no-case-id", "no-list", "not-json", "no-passed", "no-id", "nothing", "two-ways"],
)
def test_a_malformed_result_names_the_field(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(FormInvalid) as refused:
        EvalRunInput.check({"suite": "gate", "commit": "abcd1234"} | raw)

    assert list(refused.value.errors) == [field]
