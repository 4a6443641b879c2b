from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.incidents.model import HowDetected
from bot.core.postmortem.analysis import Detection, SliceImpact


def test_slice_delta_is_computed_absolute_and_relative() -> None:
    row = SliceImpact(slice="chest pain", metric="refusal rate (%)", baseline=100, incident_value=5)

    assert row.delta == -95
    assert row.delta_pct == -95
    assert row.regressed


def test_slice_with_a_zero_baseline_has_no_relative_delta() -> None:
    row = SliceImpact(slice="new tool", metric="failed calls", baseline=0, incident_value=40)

    assert row.delta == 40
    assert row.delta_pct is None


def test_a_rising_rate_is_a_regression_when_lower_is_better() -> None:
    escalations = SliceImpact(
        slice="order status",
        metric="escalation rate (%)",
        baseline=10,
        incident_value=100,
        higher_is_better=False,
    )

    assert escalations.regressed
    assert escalations.delta_pct == 900


def test_time_to_detect_runs_from_regression_start_to_first_alarm() -> None:
    detection = Detection(
        how=HowDetected.DASHBOARD_ALERT,
        regression_started_at=datetime(2024, 5, 10, 8, 0, tzinfo=UTC),
        first_alarm_at=datetime(2024, 5, 13, 9, 40, tzinfo=UTC),
    )

    assert detection.time_to_detect == timedelta(days=3, hours=1, minutes=40)


def test_time_to_detect_is_unknown_until_both_times_are() -> None:
    detection = Detection(regression_started_at=datetime(2024, 5, 10, tzinfo=UTC))

    assert detection.time_to_detect is None


def test_naive_times_from_storage_are_read_as_utc() -> None:
    detection = Detection(
        regression_started_at=datetime(2024, 5, 10, 8, 0),  # noqa: DTZ001 - as SQLite returns it
        first_alarm_at=datetime(2024, 5, 10, 10, 0, tzinfo=UTC),
    )

    assert detection.time_to_detect == timedelta(hours=2)
