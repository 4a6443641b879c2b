"""Recording the detection: kept for the postmortem, mirrored on the incident for the card,
time-to-detect computed from it; a bad form stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.forms import FormInvalid
from bot.core.incidents.model import HowDetected
from tests.core.assembly import CAROL, Core
from tests.core.postmortem import submissions


async def test_the_detection_is_kept_mirrored_on_the_incident_and_the_card_refreshed() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    started = core.clock.now() - timedelta(days=3)
    alarm = core.clock.now() - timedelta(hours=2)
    core.slack.forget()
    await submissions.detection(
        core, 1, actor=CAROL, regression_started_at=started, first_alarm_at=alarm
    )
    analysis = await core.postmortems.analysis_of(1)
    assert analysis.detection is not None and analysis.detection.how is HowDetected.USER_REPORT
    incident = core.storage.incident(1)
    assert incident.how_detected is HowDetected.USER_REPORT
    assert (incident.regression_started_at, incident.first_alarm_at) == (started, alarm)
    assert core.slack.notices_in(channel) == 1
    assert core.slack.methods()[-1] == "update_card"


async def test_a_first_alarm_before_the_regression_started_is_refused() -> None:
    core = Core()
    await core.declare()
    with pytest.raises(FormInvalid) as refused:
        await submissions.detection(
            core,
            1,
            actor=CAROL,
            regression_started_at=core.clock.now() - timedelta(hours=1),
            first_alarm_at=core.clock.now() - timedelta(hours=5),
        )
    assert refused.value.errors
    assert (await core.postmortems.analysis_of(1)).detection is None
    assert core.storage.incident(1).first_alarm_at is None
