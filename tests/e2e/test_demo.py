"""`ai-incident demo` runs the legal-RAG case through the real app and writes what Slack showed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main


def test_demo_writes_the_channel_the_card_and_the_timeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # nothing may depend on running from the checkout
    assert main(["demo", "--out", "out"]) == 0
    transcript = (tmp_path / "out" / "transcript.txt").read_text()
    timeline = (tmp_path / "out" / "timeline.md").read_text()
    channel = "aiinc-1-legal-research-assistant-cites-cases-that-do-not-exist"
    assert f"#{channel}" in transcript
    assert "== #1 Legal research assistant cites cases that do not exist ==" in transcript
    assert "S1 — critical" in transcript  # the card, edited in place after the severity change
    assert "14,000 new court filings" in timeline
    assert "slack_message: Partners found fabricated citations" in timeline
    for step in (
        "Phase Triage → Scope",
        "Phase Scope → Mitigate",
        "Phase Mitigate → Post-incident",
    ):
        assert step in timeline
    assert "stabilization: Stabilization: Disable the affected capability" in timeline
    assert "mitigation: Mitigated" in timeline
    assert transcript in capsys.readouterr().out

    # The failing questions became regression cases, left the bot, and the gate proved them.
    assert transcript.count("added regression case `aiinc-1-") == 3
    assert "Gate run legal-rag-regression at `9f3c2e1`: 3/3 pass." in transcript
    lines = (tmp_path / "out" / "incident-1-cases.jsonl").read_text().splitlines()
    assert [json.loads(line)["incident"] for line in lines] == [1, 1, 1]
    assert (tmp_path / "out" / "incident-1-cases.promptfoo.yaml").read_text().count("case_id:") == 3

    # The demo ends with the full postmortem of the case, compiled at close.
    assert "• *Data* — index_change" in transcript  # the root-cause form suggests the axis
    assert "*Incident #1 is closed* by @alice. The postmortem is attached." in transcript
    postmortem = (tmp_path / "out" / "postmortem.md").read_text()
    for section in (
        "# Incident #1: Legal research assistant cites cases that do not exist",
        "- **Severity:** S1",
        "- **Time-to-detect:** 2 d 23 h (regression start → first credible alarm)",
        "- **Time-to-mitigate:** ",
        "## Detection",
        "- How: User report",
        "- What we missed: No retrieval quality monitoring",
        "## Scope",
        "| Queries on filings added in the corpus update — citation accuracy (%) | 97 | 61 |",
        "## Root cause",
        "- **Axis:** Data (moved first)",
        "14,000 court filings",
        "evidence: [https://git.example.com/legal/index-pipeline/-/pipelines/8812]",
        "## Remediation",
        "  - Re-index the corpus whenever it is updated (#1) — done — [artefact]",
        "  - Add 50 known legal question pairs as regression cases (#2) — open",
        "  - Alert when mean retrieval relevance drops below 0.72 (#3) — open",
        "## Action items",
        "| 2 | Add 50 known legal question pairs as regression cases _(eval set)_ | @bob |",
        "## The four questions",
        "## Timeline",
        "```mermaid",
        "## Review flags\nNone open.",
    ):
        assert section in postmortem, section
    data = json.loads((tmp_path / "out" / "postmortem.json").read_text())
    assert data["incident"]["status"] == "closed"
    assert data["root_cause"]["first_axis"] == "data"
    assert [i["category"] for i in data["action_items"]] == ["code", "eval_set", "gate"]
    # Issue 6: one unowned-item reminder in the channel and a "Take it" click on it.
    assert "has no owner: *Add 50 known legal question pairs as regression cases*" in transcript
    assert "bob clicked [Take it]" in transcript
