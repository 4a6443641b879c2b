"""The "mark done" form: the artefact, and for a calibration item its record."""

from __future__ import annotations

from bot.core.postmortem.analysis import ActionCategory, ActionItem, ActionStatus
from bot.core.postmortem.forms import CompletionInput
from bot.slack.forms import done
from tests.slack.forms.form_support import NOW, fill, matches_golden

ITEM = ActionItem(id=4, category=ActionCategory.CODE, title="Revert the prompt", created_at=NOW)
CALIBRATION = ITEM.model_copy(update={"category": ActionCategory.CALIBRATION})


def test_the_built_forms_match_their_golden_json() -> None:
    assert matches_golden("done", done.build(7, 2, ITEM, parent_view_id="V_LIST"))
    assert matches_golden("done_calibration", done.build(7, 2, CALIBRATION))


def test_an_artefact_marks_the_item_done() -> None:
    values = fill(done.build(7, 2, ITEM), {"done.artefact_url": "https://git.example.com/pr/88"})

    form = CompletionInput.check(done.read(values), category="code")
    item = form.done(ITEM, now=NOW)

    assert (item.status, item.artefact_url, item.done_at) == (
        ActionStatus.DONE,
        "https://git.example.com/pr/88",
        NOW,
    )


def test_a_calibration_without_its_record_is_refused() -> None:
    values = fill(
        done.build(7, 2, CALIBRATION), {"done.artefact_url": "https://sheets.example.com/7"}
    )

    errors = CompletionInput.errors(done.read(values), category="calibration")

    assert set(errors) == {"labels", "kappa", "tpr", "tnr", "judge_version"}
