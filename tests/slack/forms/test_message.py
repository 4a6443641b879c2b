"""The modals that only say something: the placeholder while a list loads, and a message."""

from __future__ import annotations

from bot.slack.forms import message
from tests.slack.forms.form_support import matches_golden


def test_the_message_modals_match_their_golden_json() -> None:
    assert matches_golden("loading", message.loading_modal("Postmortem"))
    assert matches_golden("message", message.message_modal("Closed", "Incident #7 is closed."))
