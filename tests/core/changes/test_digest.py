"""The "what changed" digest answers triage's first question from the ledger.

Wrong windows hide the cause (or bury it under noise); a digest that lets one busy axis crowd out
the others, or silently drops what does not fit in a Slack message, misleads the responders who
trust it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from bot.core.changes.digest import build_digest, compute_window, digest_window
from bot.core.changes.model import Change, ChangeKind
from bot.core.errors import InvalidInput
from bot.core.timeline import Axis

START = datetime(2024, 11, 20, 12, 0, tzinfo=UTC)  # the regression start
NOW = START + timedelta(days=2)
_ids = count(1)


def change(
    kind: ChangeKind,
    before_start: timedelta,
    *,
    service: str | None = "legal-research",
    name: str | None = None,
) -> Change:
    number = next(_ids)
    return Change(
        id=number,
        source="test",
        external_id=name or f"c{number}",
        kind=kind,
        occurred_at=START - before_start,
        service=service,
        summary=name or f"{kind.value} change {number}",
    )


def ids(changes: list[Change]) -> list[str]:
    return [c.external_id for c in changes]


# --- windows ----------------------------------------------------------------------------------


def test_the_window_is_the_seven_days_up_to_the_regression_start() -> None:
    assert digest_window(regression_start=START, now=NOW) == (START - timedelta(days=7), START)


def test_changes_inside_the_seven_days_count_and_those_outside_do_not() -> None:
    changes = [
        change(ChangeKind.MODEL, timedelta(days=7), name="at-the-edge"),
        change(ChangeKind.MODEL, timedelta(days=7, minutes=1), name="too-old"),
        change(ChangeKind.INDEX, timedelta(days=3), name="inside"),
        change(ChangeKind.PROMPT, timedelta(0), name="at-the-start"),
        change(ChangeKind.PROMPT, -timedelta(hours=1), name="after-the-start"),
    ]
    digest = build_digest(changes, regression_start=START, now=NOW)

    shown = {c.external_id for group in digest.groups for c in group.changes}
    assert shown == {"at-the-edge", "inside", "at-the-start"}
    assert digest.total == 3


def test_traffic_shifts_use_the_48_hour_window() -> None:
    changes = [
        change(ChangeKind.TRAFFIC, timedelta(hours=47), name="recent-shift"),
        change(ChangeKind.TRAFFIC, timedelta(hours=49), name="old-shift"),
        change(ChangeKind.MODEL, timedelta(hours=49), name="model-bump"),
    ]
    digest = build_digest(changes, regression_start=START, now=NOW)

    shown = {c.external_id for group in digest.groups for c in group.changes}
    assert shown == {"recent-shift", "model-bump"}
    assert digest.window.traffic_since == START - timedelta(hours=48)


def test_the_query_window_reaches_the_earliest_of_both_windows() -> None:
    since, until = digest_window(regression_start=START, now=NOW, days=1, traffic_hours=48)
    # Asking for one day never shows two days of traffic.
    assert (since, until) == (START - timedelta(days=1), START)
    assert compute_window(regression_start=START, now=NOW, days=1).traffic_since == since


def test_without_a_regression_start_the_window_ends_now() -> None:
    assert digest_window(regression_start=None, now=NOW) == (NOW - timedelta(days=7), NOW)


def test_a_regression_start_in_the_future_is_treated_as_now() -> None:
    assert digest_window(regression_start=NOW + timedelta(days=1), now=NOW)[1] == NOW


def test_more_days_reach_further_back() -> None:
    corpus_update = change(ChangeKind.INDEX, timedelta(weeks=6), name="corpus-update")
    assert build_digest([corpus_update], regression_start=START, now=NOW).is_empty

    digest = build_digest([corpus_update], regression_start=START, now=NOW, days=45)
    assert ids(digest.groups[0].changes) == ["corpus-update"]


@pytest.mark.parametrize("days", [0, -1, 91])
def test_days_out_of_range_are_refused_by_name(days: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        build_digest([], regression_start=START, now=NOW, days=days)
    assert caught.value.field == "days"


# --- grouping and order -----------------------------------------------------------------------


def test_groups_follow_the_axis_order_and_list_newest_first() -> None:
    changes = [
        change(ChangeKind.TOOL, timedelta(days=1), name="tool"),
        change(ChangeKind.INDEX, timedelta(days=5), name="index-older"),
        change(ChangeKind.TRAFFIC, timedelta(hours=3), name="traffic-newer"),
        change(ChangeKind.JUDGE, timedelta(days=2), name="judge"),
        change(ChangeKind.PROMPT, timedelta(days=6), name="prompt"),
        change(ChangeKind.ROUTING, timedelta(days=4), name="routing-older"),
        change(ChangeKind.MODEL, timedelta(days=1), name="model-newer"),
    ]
    digest = build_digest(changes, regression_start=START, now=NOW)

    assert [group.axis for group in digest.groups] == [
        Axis.MODEL,
        Axis.PROMPT,
        Axis.JUDGE,
        Axis.DATA,
        Axis.ENVIRONMENT,
    ]
    assert [group.label for group in digest.groups] == [
        "Model",
        "Prompt",
        "Judge",
        "Data",
        "Environment",
    ]
    assert ids(digest.groups[0].changes) == ["model-newer", "routing-older"]
    assert ids(digest.groups[3].changes) == ["traffic-newer", "index-older"]
    assert digest.tail_summary() is None


def test_axes_without_changes_are_left_out() -> None:
    digest = build_digest(
        [change(ChangeKind.CONFIG, timedelta(days=1))], regression_start=START, now=NOW
    )
    assert [group.axis for group in digest.groups] == [Axis.ENVIRONMENT]


def test_only_the_incidents_service_and_provider_wide_changes_count() -> None:
    changes = [
        change(ChangeKind.PROMPT, timedelta(days=1), service="Legal-Research", name="ours"),
        change(ChangeKind.PROMPT, timedelta(days=1), service="support-bot", name="theirs"),
        change(ChangeKind.MODEL, timedelta(days=1), service=None, name="provider-wide"),
    ]
    digest = build_digest(changes, regression_start=START, now=NOW, service="legal-research")

    shown = {c.external_id for group in digest.groups for c in group.changes}
    assert shown == {"ours", "provider-wide"}


# --- the long tail ----------------------------------------------------------------------------


def test_a_busy_axis_does_not_crowd_out_a_quiet_one_and_the_rest_is_counted() -> None:
    prompt_edits = [
        change(ChangeKind.PROMPT, timedelta(hours=hour), name=f"prompt-{hour}")
        for hour in range(1, 31)
    ]
    old_model_bump = change(ChangeKind.MODEL, timedelta(days=6), name="model-bump")
    index_rebuild = change(ChangeKind.INDEX, timedelta(days=5), name="index-rebuild")
    traffic = [
        change(ChangeKind.TRAFFIC, timedelta(hours=40 + n), name=f"traffic-{n}") for n in range(3)
    ]

    digest = build_digest(
        [*prompt_edits, old_model_bump, index_rebuild, *traffic],
        regression_start=START,
        now=NOW,
        max_items=6,
    )

    groups = {group.axis: group for group in digest.groups}
    assert ids(groups[Axis.MODEL].changes) == ["model-bump"]
    assert ids(groups[Axis.PROMPT].changes) == ["prompt-1", "prompt-2", "prompt-3", "prompt-4"]
    assert ids(groups[Axis.DATA].changes) == ["traffic-0"]
    assert groups[Axis.PROMPT].hidden_by_kind == {ChangeKind.PROMPT: 26}
    assert groups[Axis.DATA].hidden_by_kind == {ChangeKind.INDEX: 1, ChangeKind.TRAFFIC: 2}

    assert digest.shown == 6
    assert digest.hidden == 29
    assert digest.total == 35  # nothing dropped: shown + counted = everything in the window
    assert digest.tail_summary() == (
        "29 more not shown — Prompt: 26 (prompt 26) · Data: 3 (traffic 2, index 1)"
    )


def test_an_empty_ledger_gives_an_empty_digest() -> None:
    digest = build_digest([], regression_start=START, now=NOW)
    assert digest.is_empty
    assert digest.total == 0
    assert digest.tail_summary() is None
