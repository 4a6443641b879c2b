"""The detection form: how we learned of the regression, and when it started and first alarmed.

It opens prefilled with what is stored; the time-to-detect is derived, never an input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.views import View

from bot.core.forms import LONG_TEXT_MAX
from bot.core.incidents.model import HowDetected
from bot.core.postmortem.reader import Analysis
from bot.slack.forms.fields import (
    analysis_state,
    datetime_input,
    heading,
    select_input,
    text_input,
    text_of,
    value_of,
)
from bot.slack.ids import (
    CallbackId,
    DetectionField,
    PostmortemForm,
)


def build(analysis: Analysis) -> View:
    incident, detection = analysis.incident, analysis.detection
    form = PostmortemForm.DETECTION
    how = (detection.how if detection else None) or incident.how_detected
    started = (detection.regression_started_at if detection else None) or (
        incident.regression_started_at
    )
    alarm = (detection.first_alarm_at if detection else None) or incident.first_alarm_at
    return View(
        type="modal",
        callback_id=CallbackId.DETECTION_MODAL,
        title="Detection",
        submit="Save",
        close="Cancel",
        private_metadata=analysis_state(incident),
        blocks=[
            heading(
                incident,
                "How did we learn, and how late? Time-to-detect is computed from the two "
                "times below (regression start → first credible alarm).",
            ),
            select_input(
                form,
                DetectionField.HOW,
                "How we learned",
                [(h.value, h.label) for h in HowDetected],
                value=how.value if how else None,
                optional=False,
            ),
            text_input(
                form,
                DetectionField.SIGNAL,
                "Which signal",
                value=detection.signal if detection else None,
                placeholder="e.g. Partner escalation: fabricated citation in a brief",
                hint="If a dashboard caught it, the signal that fired; if a user did, what they "
                "reported.",
            ),
            text_input(
                form,
                DetectionField.SIGNAL_URL,
                "Link to the signal",
                value=detection.signal_url if detection else None,
                max_length=2000,
                placeholder="https://…",
            ),
            datetime_input(
                form,
                DetectionField.REGRESSION_STARTED_AT,
                "Regression started",
                value=started,
                hint="When the output first went wrong (prefilled from the declaration).",
            ),
            datetime_input(
                form,
                DetectionField.FIRST_ALARM_AT,
                "First credible alarm",
                value=alarm,
                hint="The first signal someone could act on: an alert, a report, a dashboard.",
            ),
            text_input(
                form,
                DetectionField.WHAT_WE_MISSED,
                "What we missed",
                value=detection.what_we_missed if detection else None,
                multiline=True,
                max_length=LONG_TEXT_MAX,
                placeholder="The signal that should have fired earlier, and why it did not.",
            ),
            text_input(
                form,
                DetectionField.ALARM_IGNORED_OR_MISROUTED,
                "An alarm ignored or paged to the wrong rotation?",
                value=detection.alarm_ignored_or_misrouted if detection else None,
                multiline=True,
                max_length=LONG_TEXT_MAX,
            ),
        ],
    )


def read(values: Mapping[str, Any]) -> dict[str, object]:
    form = PostmortemForm.DETECTION
    return dict(
        how=text_of(values, form, DetectionField.HOW),
        signal=text_of(values, form, DetectionField.SIGNAL),
        signal_url=text_of(values, form, DetectionField.SIGNAL_URL),
        regression_started_at=value_of(values, form, DetectionField.REGRESSION_STARTED_AT),
        first_alarm_at=value_of(values, form, DetectionField.FIRST_ALARM_AT),
        what_we_missed=text_of(values, form, DetectionField.WHAT_WE_MISSED),
        alarm_ignored_or_misrouted=text_of(values, form, DetectionField.ALARM_IGNORED_OR_MISROUTED),
    )
