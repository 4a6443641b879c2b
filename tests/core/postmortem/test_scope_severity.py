"""The scope-vs-severity rule: it speaks when the slice rows and the severity disagree, and only
then; and the root-cause suggestions come from the control-plane changes in the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.incidents.model import Category, Incident, Severity
from bot.core.postmortem.analysis import SliceImpact
from bot.core.postmortem.reader import Analysis
from bot.core.postmortem.records_service import SUGGESTION_LOOKBACK, suggest_axes
from bot.core.postmortem.scope_severity import scope_contradiction
from bot.core.timeline import Axis, TimelineEvent, TimelineKind


def row(
    baseline: float, value: float, users: int | None = None, *, higher_is_better: bool = True
) -> SliceImpact:
    return SliceImpact(
        slice="high-risk triage",
        metric="refusal rate (%)",
        baseline=baseline,
        incident_value=value,
        users_affected=users,
        higher_is_better=higher_is_better,
    )


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ([row(100, 5, users=300)], "bigger than S3"),  # -95%
        ([row(97, 95, users=5_400)], "bigger than S3"),  # few points, many users
        ([row(0.1, 1.0, users=50, higher_is_better=False)], "bigger than S3"),  # escalations x10
    ],
)
def test_s3_with_a_large_slice_is_called_out(rows: list[SliceImpact], says: str) -> None:
    sentence = scope_contradiction(rows, Severity.S3)
    assert sentence is not None and says in sentence
    assert "/ai-incident severity S2" in sentence


@pytest.mark.parametrize(
    "rows",
    [
        [row(97, 95, users=38)],  # -2%, few users
        [row(100, 5, users=300, higher_is_better=False)],  # it got better
        [],
    ],
)
def test_s3_with_small_slices_stays_silent(rows: list[SliceImpact]) -> None:
    assert scope_contradiction(rows, Severity.S3) is None


def test_s1_with_every_slice_small_is_called_out_but_keeps_the_decision_human() -> None:
    sentence = scope_contradiction([row(97, 96, users=12), row(50, 51, users=3)], Severity.S1)
    assert sentence is not None and "smaller than S1" in sentence
    assert "Keep S1 if the risk" in sentence


@pytest.mark.parametrize(
    "rows",
    [
        [row(97, 96, users=12), row(97, 61, users=20)],  # one slice is large
        [row(97, 96, users=400)],  # many users
        [row(0, 3, users=5, higher_is_better=False)],  # from zero: size unknown, never "small"
        [],  # nothing recorded: nothing to contradict
    ],
)
def test_s1_stays_silent_unless_every_slice_is_small(rows: list[SliceImpact]) -> None:
    assert scope_contradiction(rows, Severity.S1) is None


def test_s2_is_never_contradicted() -> None:
    assert scope_contradiction([row(100, 5, users=90_000)], Severity.S2) is None
    assert scope_contradiction([row(97, 96, users=1)], Severity.S2) is None


START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def _event(kind: TimelineKind, at: datetime, summary: str) -> TimelineEvent:
    return TimelineEvent(
        incident_number=1, occurred_at=at, recorded_at=at, kind=kind, summary=summary
    )


def test_axes_are_suggested_from_the_timelines_changes_in_the_window_first() -> None:
    incident = Incident(
        number=1,
        title="Citations that do not exist",
        severity=Severity.S1,
        category=Category.USER_VISIBLE_REGRESSION,
        regression_started_at=START,
        declared_at=START + timedelta(days=2),
    )
    timeline = [
        _event(TimelineKind.MODEL_CHANGE, START + timedelta(hours=5), "Model v2 rolled out"),
        _event(TimelineKind.INDEX_CHANGE, START - timedelta(hours=1), "Corpus update"),
        _event(TimelineKind.NOTE, START, "a note is not a change"),
        _event(TimelineKind.ROUTING_CHANGE, START + timedelta(hours=6), "Routed to v2"),
        _event(TimelineKind.PROMPT_CHANGE, START - SUGGESTION_LOOKBACK - timedelta(hours=1), "old"),
        _event(TimelineKind.TOOL_CHANGE, START + timedelta(days=3), "after now"),
    ]
    analysis = Analysis(incident=incident, timeline=timeline)
    suggestions = suggest_axes(analysis, now=START + timedelta(days=2, hours=1))
    assert [(s.axis, s.in_window) for s in suggestions] == [
        (Axis.DATA, True),
        (Axis.MODEL, True),
        (Axis.PROMPT, False),  # on the timeline, but older than the window: offered last
    ]
    assert [e.summary for e in suggestions[1].events] == ["Model v2 rolled out", "Routed to v2"]
