"""Slack says spans as the postmortem does (one rule), to the minute."""

from __future__ import annotations

import pytest

from bot.core.postmortem.formatting import duration as document_duration
from bot.slack.messages.format import duration


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(30, "under 1 min"), (600, "10 min"), (3 * 3600, "3 h"), (3 * 3600 + 610, "3 h 10 min")],
)
def test_a_span_reads_the_same_in_slack_and_in_the_postmortem(seconds: int, said: str) -> None:
    assert duration(seconds) == said
    if seconds >= 60 and seconds % 60 == 0:
        assert document_duration(seconds) == said
