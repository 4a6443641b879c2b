"""The demo's eval loop: three failing questions become regression cases while the incident
runs, leave the bot as files an eval runner reads, and CI reports them passing after the
re-index (the seed: the point of the postmortem is to make the next instance block CI)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.api.auth import signature_headers
from bot.core.cases.service import ExportFormat
from bot.core.incidents.model import Incident
from bot.demo.ledger import DEMO_WEBHOOK_SECRET
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import CallbackId


@dataclass(frozen=True)
class Example:
    author: str
    question: str  # what a partner asked, as pasted into the channel
    expected: str
    expectation: str  # reference | must | must_not
    slice: str


EXAMPLES = (
    Example(
        author="U0BOB",
        question="Which appellate decisions since March interpret the new arbitration rule?",
        expected="Cites only decisions present in the corpus, or says none were found.",
        expectation="must",
        slice="filings added in the corpus update",
    ),
    Example(
        author="U0BOB",
        question="Summarise Harlow v. Benton (2nd Cir.) on discovery sanctions.",
        expected="Invent a case name, court or docket number that is not in the corpus.",
        expectation="must_not",
        slice="filings added in the corpus update",
    ),
    Example(
        author="U0CAROL",
        question="Is there binding precedent on e-discovery cost shifting in our circuit?",
        expected="Zubulake v. UBS Warburg (S.D.N.Y. 2003) is persuasive, not binding; no "
        "binding precedent in the circuit.",
        expectation="reference",
        slice="older filings (control)",
    ),
)


async def capture_cases(rig: Rehearsal, incident: Incident, *, user: str) -> None:
    """Each failing question, pasted in the channel, is added with the message shortcut."""
    assert incident.channel_id is not None
    for example in EXAMPLES:
        ts = rig.emulator.post_user_message(incident.channel_id, example.author, example.question)
        await rig.slack.message_shortcut(
            CallbackId.CASE_SHORTCUT, channel=incident.channel_id, message_ts=ts, user=user
        )
        await rig.slack.settle()
        form = rig.emulator.open_views(user)[-1]
        await rig.slack.submit_view(
            form.id,
            {
                "expected": example.expected,
                "expectation": example.expectation,
                "slice": example.slice,
                "risk": "high",
                "request_model": "gpt-4o-2024-08-06",
                "provider_name": "openai",
            },
            user=user,
        )
        await rig.slack.settle()


async def export_cases(rig: Rehearsal, incident: Incident) -> dict[str, str]:
    """The files the team commits to its eval suite (what `ai-incident cases export` writes)."""
    number = incident.number or 0
    cases = rig.runtime.deps.cases
    files = {
        f"incident-{number}-cases.jsonl": await cases.export(number, ExportFormat.JSONL),
        f"incident-{number}-cases.promptfoo.yaml": await cases.export(
            number, ExportFormat.PROMPTFOO
        ),
    }
    rig.emulator.record_user_action(
        "carol",
        f"ran `ai-incident cases export {number} --format promptfoo` and committed the "
        f"{len(EXAMPLES)} regression cases to the legal-RAG eval suite",
    )
    return files


async def report_gate_run(rig: Rehearsal, incident: Incident, *, commit: str) -> dict[str, Any]:
    """CI runs the suite on the re-indexed corpus and reports each case's verdict, signed."""
    views = await rig.runtime.deps.cases.list(incident.number or 0)
    body = json.dumps(
        {
            "suite": "legal-rag-regression",
            "commit": commit,
            "url": f"https://ci.example.com/legal/rag-evals/-/jobs/{commit}",
            "results": [{"case_id": view.case.key, "passed": True} for view in views],
        }
    ).encode()
    rig.emulator.record_user_action(
        "CI",
        f"ran the legal-RAG regression suite at {commit} (after the re-index) and reported "
        f"{len(views)}/{len(views)} passing to POST /api/v1/eval-runs",
    )
    response = await rig.http.post(
        "/api/v1/eval-runs",
        content=body,
        headers={
            **signature_headers(body, DEMO_WEBHOOK_SECRET, delivery_id=f"demo-gate-{commit}"),
            "Content-Type": "application/json",
        },
    )
    response.raise_for_status()
    await rig.slack.settle()
    result: dict[str, Any] = response.json()
    return result
