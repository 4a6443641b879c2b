"""The scope row form: a slice typed in becomes a SliceImpact row."""

from __future__ import annotations

from bot.core.postmortem.analysis import SliceImpact
from bot.core.postmortem.forms import SliceInput
from bot.slack.forms import slice as slice_form
from tests.slack.forms.form_support import fill, matches_golden

ROW = SliceImpact(
    id=3,
    slice="chest pain",
    metric="refusal rate (%)",
    baseline=100,
    incident_value=4.8,
    users_affected=850,
)


def test_the_built_forms_match_their_golden_json() -> None:
    assert matches_golden("slice_new", slice_form.build(7, parent_view_id="V_LIST"))
    assert matches_golden("slice_edit", slice_form.build(7, row=ROW))


def test_a_prefilled_row_reads_back_unchanged() -> None:
    values = fill(slice_form.build(7, row=ROW))

    assert SliceInput.check(slice_form.read(values)).row(slice_id=3) == ROW


def test_a_lower_is_better_row_with_a_typed_percentage() -> None:
    values = fill(
        slice_form.build(7),
        {
            "slice.slice": "billing questions",
            "slice.metric": "escalation rate",
            "slice.baseline": "2%",
            "slice.incident_value": "9 %",
            "slice.higher_is_better": "lower",
        },
    )

    row = SliceInput.check(slice_form.read(values)).row()

    assert (row.baseline, row.incident_value, row.higher_is_better) == (2, 9, False)
    assert row.regressed


def test_letters_in_a_number_are_named_in_the_answer() -> None:
    values = fill(
        slice_form.build(7),
        {"slice.slice": "s", "slice.metric": "m", "slice.baseline": "high"},
    )

    errors = SliceInput.errors(slice_form.read(values))

    assert set(errors) == {"baseline", "incident_value"}
    assert "got 'high'" in errors["baseline"]
