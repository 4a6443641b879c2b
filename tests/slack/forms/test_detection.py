"""The detection form: built prefilled, filled in, read into the core's DetectionInput."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.forms import FormInvalid
from bot.core.postmortem.forms import DetectionInput
from bot.core.postmortem.reader import Analysis
from bot.slack.forms import detection
from tests.slack.forms.form_support import NOW, fill, incident, matches_golden


def test_the_built_form_matches_its_golden_json() -> None:
    assert matches_golden("detection", detection.build(Analysis(incident=incident())))


def test_what_a_responder_types_becomes_the_detection() -> None:
    view = detection.build(Analysis(incident=incident()))
    values = fill(
        view,
        {
            "detection.signal": "refusal-rate drift",
            "detection.signal_url": "https://grafana.example.com/d/refusals",
            "detection.regression_started_at": datetime(2024, 5, 10, 8, tzinfo=UTC),
            "detection.first_alarm_at": datetime(2024, 5, 13, 9, 40, tzinfo=UTC),
        },
    )

    form = DetectionInput.check(detection.read(values), now=NOW).detection()

    assert form.how == "dashboard_alert"  # prefilled from the incident, left as it was
    assert form.signal == "refusal-rate drift"
    assert form.time_to_detect is not None and form.time_to_detect.days == 3


def test_a_future_regression_start_is_refused_under_its_input() -> None:
    view = detection.build(Analysis(incident=incident()))
    values = fill(view, {"detection.regression_started_at": datetime(2024, 5, 15, tzinfo=UTC)})

    with pytest.raises(FormInvalid) as refused:
        DetectionInput.check(detection.read(values), now=NOW)

    assert refused.value.errors == {
        "regression_started_at": "The regression start can't be in the future."
    }
