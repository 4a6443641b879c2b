"""The declare form: title, severity, category, runbook, checked by the core's DeclareInput."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bot.core.forms import field_errors
from bot.core.incidents.model import Category, DeclareInput, HowDetected, Severity
from bot.slack.forms import declare
from tests.slack.forms.form_support import NOW, fill, matches_golden

RUNBOOKS = [("default", "Default AI incident runbook"), ("legal", "Legal RAG")]


def test_the_built_form_matches_its_golden_json() -> None:
    built = declare.build(title="Refusals spiked", origin_channel_id="C_GENERAL")

    assert matches_golden("declare", built)


def test_a_filled_declaration_is_read_as_typed() -> None:
    built = declare.build(title="Refusals spiked", origin_channel_id=None, runbooks=RUNBOOKS)
    values = fill(
        built,
        {
            "category": "silent_drift",
            "how_detected": "dashboard_alert",
            "regression_started_at": datetime(2024, 5, 13, 9, 0, tzinfo=UTC),
            "runbook": "legal",
            "description": "Refuses chest-pain questions; should triage them.",
        },
    )

    declared = DeclareInput.model_validate(
        declare.read(values), context={"now": NOW, "runbooks": {"default", "legal"}}
    )

    assert (declared.title, declared.severity, declared.category, declared.runbook) == (
        "Refusals spiked",
        Severity.S2,  # the form's default
        Category.SILENT_DRIFT,
        "legal",
    )
    assert declared.how_detected is HowDetected.DASHBOARD_ALERT
    assert declared.regression_started_at == datetime(2024, 5, 13, 9, 0, tzinfo=UTC)


def test_problems_are_shown_under_their_inputs() -> None:
    values = fill(declare.build(origin_channel_id=None), {"severity": "S1"})

    with pytest.raises(ValidationError) as rejected:
        DeclareInput.model_validate(declare.read(values), context={"now": NOW})

    assert declare.errors(field_errors(rejected.value)) == {
        "title": "Give the incident a title (at most 150 characters).",
        "category": "Choose a category.",
    }


def test_a_problem_without_an_input_of_its_own_still_reaches_the_person() -> None:
    shown = declare.errors({"title": "Give it a title.", "reporter_id": "Unknown user."})

    assert shown == {"title": "Give it a title. reporter_id: Unknown user."}


@pytest.mark.parametrize(("ticked", "private"), [([declare.PRIVATE], True), ([], False)])
def test_the_private_box_makes_the_declaration_private(ticked: list[str], private: bool) -> None:
    values = fill(
        declare.build(title="Refusals spiked", origin_channel_id=None),
        {"category": "silent_drift", "private": ticked},
    )

    declared = DeclareInput.model_validate(declare.read(values), context={"now": NOW})

    assert declared.private is private
