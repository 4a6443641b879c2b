"""Pick the incident a message goes on: the menu offers the open incidents by number."""

from __future__ import annotations

from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.forms import PickedIncident
from bot.slack.forms import pick_incident
from tests.slack.forms.form_support import fill, incident, matches_golden

NOTE = SlackMessage(channel_id="C_GENERAL", ts="1715600000.000100", text="refusals again")
OPEN = [incident(), incident(number=9, title="Judge drift on billing", channel_id="C_INC9")]


def test_the_built_forms_match_their_golden_json() -> None:
    assert matches_golden("pick_incident", pick_incident.build(OPEN[:1], message=NOTE))
    assert matches_golden("pick_incident_none", pick_incident.build([], message=NOTE))


def test_the_picked_incident_is_read_as_its_number() -> None:
    values = fill(pick_incident.build(OPEN, message=NOTE), {"pick_incident": "9"})

    assert PickedIncident.check(pick_incident.read(values)).number == 9


def test_nothing_picked_is_refused_under_the_menu() -> None:
    values = fill(pick_incident.build(OPEN, message=NOTE))

    problems = PickedIncident.errors(pick_incident.read(values))

    assert pick_incident.errors(problems) == {"pick_incident": "Pick one."}


def test_a_value_the_menu_never_offered_is_refused() -> None:
    assert set(PickedIncident.errors({"number": "9; drop table"})) == {"number"}
