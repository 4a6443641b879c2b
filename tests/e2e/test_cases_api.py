"""Regression cases and gate runs over signed HTTP against the running app: a case from
automation, the JSONL export an eval runner reads, and a CI run marking the cases."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.core.cases.forms import CaseInput
from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from tests.conftest import OpenRig
from tests.e2e.ledger_support import BEARER, bot_messages, open_incident, post_signed
from tests.rig import API_TOKEN, WEBHOOK_SECRET

QUESTION = "Which court decided Müller v. Land Berlin (2019)?"
CASE: dict[str, Any] = {
    "input": QUESTION,
    "observed": "The Federal Labour Court decided it on 3 May 2019.",
    "expected": "Say that no such decision can be found; cite nothing invented.",
    "expectation": "must",
    "slice": "case-law lookups",
    "risk": "high",
    "trace_url": "https://langfuse.example/project/legal/traces/7f3a",
    "request_model": "gpt-4o-2024-11-20",
    "provider_name": "openai",
    "prompt_name": "legal-answer",
    "prompt_version": "41",
}


@pytest.fixture
async def cases_rig(database_url: str, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    """The app with the REST API on, on each backend."""
    emulator = SlackEmulator()
    announce = emulator.add_channel("ai-incidents")
    async with open_rig(
        database_url=database_url,
        emulator=emulator,
        announce_channel=announce.id,
        api_token=API_TOKEN,
        webhook_secret=WEBHOOK_SECRET,
    ) as running:
        yield running


def cases_path(number: int | None) -> str:
    return f"/api/v1/incidents/{number}/cases"


async def add_case(rig: Rehearsal, number: int | None, **overrides: Any) -> httpx.Response:
    response = await post_signed(rig, cases_path(number), {**CASE, **overrides})
    await rig.slack.settle()
    return response


async def listed(rig: Rehearsal, number: int | None) -> list[dict[str, Any]]:
    response = await rig.http.get(cases_path(number), headers=BEARER)
    assert response.status_code == 200, response.text
    cases: list[dict[str, Any]] = response.json()["cases"]
    return cases


def card_fields(rig: Rehearsal, channel: str, card_ts: str) -> list[str]:
    blocks = rig.emulator.message(channel, card_ts).blocks
    return [f["text"] for b in blocks if b.get("type") == "section" for f in b.get("fields") or []]


async def test_a_case_by_rest_is_stored_once_told_and_counted_on_the_card(
    cases_rig: Rehearsal,
) -> None:
    rig = cases_rig
    incident = await open_incident(rig)
    channel = incident.channel_id or ""

    first = await add_case(rig, incident.number)
    again = await add_case(rig, incident.number, slice="another slice")

    assert (first.status_code, again.status_code) == (201, 200)
    case = first.json()
    assert again.json()["id"] == case["id"] and again.json()["slice"] == "case-law lookups"
    assert case["key"].startswith(f"aiinc-{incident.number}-") and case["source"] == "api"
    assert case["attributes"] == {
        "gen_ai.request.model": "gpt-4o-2024-11-20",
        "gen_ai.provider.name": "openai",
        "prompt.name": "legal-answer",
        "prompt.version": "41",
    }
    assert [c["key"] for c in await listed(rig, incident.number)] == [case["key"]]
    assert len(bot_messages(rig, channel, case["key"])) == 1
    assert "*Regression cases*\n1" in card_fields(rig, channel, incident.card_ts or "")


async def test_the_jsonl_export_round_trips_and_a_re_export_changes_nothing(
    cases_rig: Rehearsal,
) -> None:
    rig = cases_rig
    incident = await open_incident(rig)
    await add_case(rig, incident.number)
    await add_case(
        rig,
        incident.number,
        input="Summarise BAG 2 AZR 12/20 in two sentences.\nKeep the citation.",
        expected="The court held the dismissal void for lack of consultation.",
        expectation="reference",
        slice=None,
        observed=None,
    )
    before = await listed(rig, incident.number)
    assert not any(c["in_eval_set"] for c in before)

    export = await rig.http.get(f"{cases_path(incident.number)}.jsonl", headers=BEARER)
    after_first = await listed(rig, incident.number)
    again = await rig.http.get(f"{cases_path(incident.number)}.jsonl", headers=BEARER)
    after_again = await listed(rig, incident.number)

    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/x-ndjson")
    assert again.content == export.content
    assert all(c["in_eval_set"] and c["exported_at"] for c in after_first)
    assert after_again == after_first
    records = [json.loads(line) for line in export.text.splitlines()]
    assert [r["id"] for r in records] == [c["key"] for c in before]
    # Each line carries what it takes to capture the same case again.
    for record, stored in zip(records, before, strict=True):
        assert record["schema"] == "ai-incident/regression-case/v1"
        recreated = CaseInput.check(
            {
                "input": record["input"],
                "observed": record["observed"],
                "expected": record["expected"]["text"],
                "expectation": record["expected"]["kind"],
                "slice": record["slice"],
                "risk": record["risk"],
                "trace_url": record["trace_url"],
                "request_model": record["attributes"].get("gen_ai.request.model"),
                "provider_name": record["attributes"].get("gen_ai.provider.name"),
                "prompt_name": record["attributes"].get("prompt.name"),
                "prompt_version": record["attributes"].get("prompt.version"),
            }
        )
        as_stored = {**stored, **stored["versions"]}
        for name, value in recreated.model_dump(mode="json").items():
            assert as_stored[name] == value, name
        replay = await add_case(rig, incident.number, **recreated.model_dump(mode="json"))
        assert replay.status_code == 200 and replay.json()["key"] == record["id"]


async def test_a_signed_eval_run_marks_the_cases(cases_rig: Rehearsal) -> None:
    rig = cases_rig
    incident = await open_incident(rig)
    a = (await add_case(rig, incident.number)).json()
    b = (await add_case(rig, incident.number, input="Another invented citation?")).json()

    response = await post_signed(
        rig,
        "/api/v1/eval-runs",
        {
            "suite": "legal-rag-gate",
            "commit": "9f1c2ab",
            "url": "https://ci.example/runs/812",
            "jsonl": "\n".join(
                json.dumps({"case_id": key, "passed": passed})
                for key, passed in ((a["key"], True), (b["key"], False))
            ),
        },
    )
    await rig.slack.settle()

    assert response.status_code == 201, response.text
    run = response.json()
    assert (run["suite"], run["commit"], run["verdicts"]) == ("legal-rag-gate", "9f1c2ab", 2)
    assert run["incidents"] == [
        {"incident": incident.number, "cases": 2, "run": 2, "passed": 1, "failing": [b["key"]]}
    ]
    last = {c["key"]: c["last_verdict"] for c in await listed(rig, incident.number)}
    assert last[a["key"]]["passed"] is True and last[b["key"]]["passed"] is False
    assert last[a["key"]]["commit"] == "9f1c2ab" and last[a["key"]]["run_id"] == run["id"]
    assert len(bot_messages(rig, incident.channel_id or "", "9f1c2ab")) == 1


async def test_a_run_naming_unknown_case_ids_is_refused_and_stores_nothing(
    cases_rig: Rehearsal,
) -> None:
    rig = cases_rig
    incident = await open_incident(rig)
    a = (await add_case(rig, incident.number)).json()

    response = await post_signed(
        rig,
        "/api/v1/eval-runs",
        {
            "suite": "legal-rag-gate",
            "commit": "9f1c2ab",
            "results": [
                {"case_id": a["key"], "passed": True},
                {"case_id": "aiinc-404-000000000000", "passed": True},
            ],
        },
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "results" and "aiinc-404-000000000000" in error["reason"]
    assert [c["last_verdict"] for c in await listed(rig, incident.number)] == [None]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"promptfoo": {"results": {"results": [{"success": True, "vars": {}}]}}}, "promptfoo"),
        ({"promptfoo": ["not", "a", "result", "file"]}, "promptfoo"),
        ({"jsonl": '{"case_id": "aiinc-1-000000000000"}'}, "jsonl"),
        ({"commit": "not a commit!", "results": [{"case_id": "x", "passed": True}]}, "commit"),
        ({"results": [{"case_id": "x", "passed": True}], "passes": 3}, "passes"),
    ],
    ids=["promptfoo-no-case-id", "promptfoo-not-an-object", "jsonl-no-passed", "commit", "extra"],
)
async def test_a_malformed_run_names_the_field(
    cases_rig: Rehearsal, body: dict[str, Any], field: str
) -> None:
    rig = cases_rig
    incident = await open_incident(rig)
    await add_case(rig, incident.number)

    response = await post_signed(
        rig, "/api/v1/eval-runs", {"suite": "gate", "commit": "abcd123", **body}
    )

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert [c["last_verdict"] for c in await listed(rig, incident.number)] == [None]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**CASE, "input": "  "}, "input"),
        ({key: value for key, value in CASE.items() if key != "expected"}, "expected"),
        ({**CASE, "expectation": "should"}, "expectation"),
        ({**CASE, "trace_url": "not a link"}, "trace_url"),
        ({**CASE, "expected_output": "typo"}, "expected_output"),
    ],
    ids=["blank-input", "no-expected", "expectation", "trace-url", "unknown-field"],
)
async def test_a_bad_case_names_the_field_and_stores_nothing(
    cases_rig: Rehearsal, body: dict[str, Any], field: str
) -> None:
    rig = cases_rig
    incident = await open_incident(rig)

    response = await post_signed(rig, cases_path(incident.number), body)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await listed(rig, incident.number) == []


async def test_cases_of_an_incident_that_does_not_exist(cases_rig: Rehearsal) -> None:
    response = await post_signed(cases_rig, cases_path(404), CASE)
    export = await cases_rig.http.get(f"{cases_path(404)}.jsonl", headers=BEARER)

    assert (response.status_code, export.status_code) == (404, 404)


async def test_reads_need_the_token(cases_rig: Rehearsal) -> None:
    incident = await open_incident(cases_rig)

    response = await cases_rig.http.get(f"{cases_path(incident.number)}.jsonl")

    assert response.status_code == 401
