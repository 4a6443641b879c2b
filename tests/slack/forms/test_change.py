"""The change modal: record a control-plane change by hand."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from slack_sdk.models.views import View

from bot.core.changes.model import ChangeIn, ChangeKind
from bot.core.forms import field_errors
from bot.slack.forms import change
from tests.slack.forms.form_support import NOW, fill, incident, matches_golden


def test_the_change_form_matches_its_golden_json() -> None:
    assert matches_golden(
        "change", change.build(incident=incident(), origin_channel_id="C_INC7", now=NOW)
    )
    assert matches_golden(
        "change_outside_incident", change.build(incident=None, origin_channel_id="C_X", now=NOW)
    )


def built() -> View:
    return change.build(incident=incident(), origin_channel_id="C_INC7", now=NOW)


def test_a_model_change_is_read_with_the_model_name_it_moved_to() -> None:
    values = fill(
        built(),
        {"change_kind": "model", "change_before": "gpt-4o-v1", "change_after": "gpt-4o-v2"},
    )

    typed = ChangeIn.model_validate(
        change.read(values, view_id="V_CHANGE", user_id="U_ANA"), context={"now": NOW}
    )

    assert (typed.kind, typed.before, typed.after) == (ChangeKind.MODEL, "gpt-4o-v1", "gpt-4o-v2")
    assert typed.attributes == {"gen_ai.request.model": "gpt-4o-v2"}
    assert typed.occurred_at == NOW  # the picker starts at the moment the form opened
    assert (typed.external_id, typed.actor) == ("slack-view:V_CHANGE", "U_ANA")


def test_a_change_that_says_nothing_is_refused_under_the_note() -> None:
    values = fill(built(), {"change_kind": "prompt"})

    with pytest.raises(ValidationError) as rejected:
        ChangeIn.model_validate(change.read(values, view_id="V_CHANGE", user_id="U_ANA"))

    assert change.errors(field_errors(rejected.value)) == {
        "change_note": "Give a summary, or before/after values."
    }
