"""`ai-incident demo` runs the legal-RAG case through the real app and writes what Slack showed."""

from __future__ import annotations

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
