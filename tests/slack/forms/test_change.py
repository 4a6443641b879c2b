"""The change modal: record a control-plane change by hand."""

from __future__ import annotations

from bot.slack.forms import change
from tests.slack.forms.form_support import NOW, incident, matches_golden


def test_the_change_form_matches_its_golden_json() -> None:
    assert matches_golden(
        "change", change.build(incident=incident(), origin_channel_id="C_INC7", now=NOW)
    )
    assert matches_golden(
        "change_outside_incident", change.build(incident=None, origin_channel_id="C_X", now=NOW)
    )
