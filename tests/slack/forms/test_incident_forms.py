"""The incident lifecycle's modals: declare, update, pick an incident, pull a lever, message."""

from __future__ import annotations

from bot.core.incidents.chat_message import SlackMessage
from bot.core.runbooks.model import StabilizationLever
from bot.slack.forms import declare, lever, message, pick_incident, update
from tests.slack.forms.form_support import incident, matches_golden


def test_the_declare_form_matches_its_golden_json() -> None:
    built = declare.build(title="Refusals spiked", origin_channel_id="C_GENERAL")

    assert matches_golden("declare", built)


def test_the_update_form_matches_its_golden_json() -> None:
    assert matches_golden("update", update.build(incident()))


def test_the_pick_incident_form_matches_its_golden_json() -> None:
    note = SlackMessage(channel_id="C_GENERAL", ts="1715600000.000100", text="refusals again")

    assert matches_golden("pick_incident", pick_incident.build([incident()], message=note))
    assert matches_golden("pick_incident_none", pick_incident.build([], message=note))


def test_the_lever_form_matches_its_golden_json() -> None:
    pulled = StabilizationLever(
        id="rollback-model",
        title="Roll back the model",
        description="Route traffic to the previous model version.",
        trade_off_prompt="What do users lose while on the old model?",
    )

    assert matches_golden("lever", lever.build(incident(), phase="stabilize", lever=pulled))


def test_the_message_modals_match_their_golden_json() -> None:
    assert matches_golden("loading", message.loading_modal("Postmortem"))
    assert matches_golden("message", message.message_modal("Closed", "Incident #7 is closed."))
