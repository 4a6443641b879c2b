"""The action-item form: a new item, an edit, and a calibration item's record."""

from __future__ import annotations

from datetime import date

from bot.core.postmortem.analysis import ActionCategory, ActionItem, CalibrationRecord
from bot.core.postmortem.forms import ActionItemInput
from bot.slack.forms import action_item
from tests.slack.forms.form_support import NOW, fill, matches_golden

ITEM = ActionItem(
    id=4,
    category=ActionCategory.CALIBRATION,
    title="Calibrate the refusal judge",
    owner_id="U_SOFIA",
    due=date(2024, 5, 1),
    calibration=CalibrationRecord(labels=40, kappa=0.78, tpr=0.91, tnr=0.88, judge_version="v7"),
    created_at=NOW,
)


def test_the_built_forms_match_their_golden_json() -> None:
    assert matches_golden("action_item_new", action_item.build(7, title="Add the case"))
    assert matches_golden("action_item_edit", action_item.build(7, item=ITEM))


def test_a_new_item_typed_in_becomes_an_open_item() -> None:
    values = fill(
        action_item.build(7),
        {
            "action.category": "eval_set",
            "action.title": "Add the chest-pain refusals as regression cases",
            "action.owner_id": "U_ANA",
            "action.due": date(2024, 5, 20),
        },
    )

    item = ActionItemInput.check(action_item.read(values), now=NOW).new_item(now=NOW)

    assert (item.category, item.owner_id, item.due) == (
        ActionCategory.EVAL_SET,
        "U_ANA",
        date(2024, 5, 20),
    )


def test_an_untouched_edit_keeps_the_item_and_its_passed_due_date() -> None:
    values = fill(action_item.build(7, item=ITEM))

    form = ActionItemInput.check(action_item.read(values), now=NOW, original_due=ITEM.due)

    assert form.edited(ITEM) == ITEM


def test_a_half_filled_record_is_refused_field_by_field() -> None:
    values = fill(
        action_item.build(7, item=ITEM), {"action.tpr": None, "action.judge_version": None}
    )

    errors = ActionItemInput.errors(action_item.read(values), now=NOW, original_due=ITEM.due)

    assert set(errors) == {"tpr", "judge_version"}
