"""The demo's change ledger: the opening digest misses the six-week-old corpus update, a wider
`changes` digest finds it, and it goes on the timeline on the Data axis."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main

HEADER = "    == What changed before #1 =="


def digests(transcript: str) -> list[str]:
    """Each digest message as the transcript shows it (its indented lines)."""
    lines = transcript.splitlines()
    found = []
    for index, line in enumerate(lines):
        if line == HEADER:
            body = [line]
            for following in lines[index + 1 :]:
                if not following.startswith("    "):
                    break
                body.append(following)
            found.append("\n".join(body))
    return found


def test_the_demo_finds_the_corpus_update_by_widening_the_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--out", "out"]) == 0
    transcript = (tmp_path / "out" / "transcript.txt").read_text()
    timeline = (tmp_path / "out" / "timeline.md").read_text()

    assert "sent 3 changes to POST /api/v1/changes" in transcript
    at_open, widened = digests(transcript)
    assert "The 7 days before the regression start" in at_open
    assert "court-calendar API v3" in at_open
    assert "14,000 new court filings" not in at_open  # six weeks back
    assert "contract-summarizer" not in at_open + widened  # another feature's change
    assert "The 45 days before the regression start" in widened
    assert "*Data* — 1 change" in widened and "14,000 new court filings" in widened
    # The widening is explained in the channel before it is asked for.
    assert transcript.index("Widening it") < transcript.index("typed `/ai-incident changes 45`")
    assert "@carol put a change on the timeline (Data)" in transcript
    [corpus] = [line for line in timeline.splitlines() if "index_change [data]" in line]
    assert "embedding model not retrained" in corpus and "U0CAROL" in corpus
