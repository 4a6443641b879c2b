"""The stakeholder-update form: one text, checked by the core's UpdateInput."""

from __future__ import annotations

import pytest

from bot.core.forms import LONG_TEXT_MAX
from bot.core.incidents.forms import UpdateInput
from bot.slack.forms import update
from tests.slack.forms.form_support import fill, incident, matches_golden, slack_refuses


def test_the_built_form_matches_its_golden_json() -> None:
    assert matches_golden("update", update.build(incident()))


def test_the_typed_update_is_read_without_surrounding_blank_lines() -> None:
    values = fill(update.build(incident()), {"update_text": "\nRolled back; next update 15:00.\n"})

    assert UpdateInput.check(update.read(values)).text == "Rolled back; next update 15:00."


@pytest.mark.parametrize("typed", [None, "   "])
def test_an_empty_update_is_refused_under_its_input(typed: str | None) -> None:
    values = fill(update.build(incident()), {"update_text": typed})

    problems = UpdateInput.errors(update.read(values))

    assert update.errors(problems) == {"update_text": "Write the update."}


def test_the_longest_update_the_form_takes_is_one_the_core_takes() -> None:
    built = update.build(incident())
    longest = fill(built, {"update_text": "x" * LONG_TEXT_MAX})

    assert UpdateInput.errors(update.read(longest)) == {}
    assert slack_refuses(built, "update_text", "x" * (LONG_TEXT_MAX + 1))
    assert "keep it under 3000" in UpdateInput.errors({"text": "x" * (LONG_TEXT_MAX + 1)})["text"]
