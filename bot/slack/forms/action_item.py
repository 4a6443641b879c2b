"""The action-item form: add an item, or edit one (its status has its own steps)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DividerBlock,
    InputBlock,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.core.forms import SHORT_TEXT_MAX
from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
)
from bot.slack.forms.fields import (
    ActionItemState,
    block_id,
    date_input,
    record_inputs,
    select_input,
    text_input,
    text_of,
)
from bot.slack.ids import (
    ActionField,
    CallbackId,
    PostmortemForm,
)

_CATEGORY_HELP = {
    ActionCategory.CODE: "Code — prompt revert, judge rollback, tool-API adapter",
    ActionCategory.EVAL_SET: "Eval set — the failing pattern as a regression case",
    ActionCategory.GATE: "Gates and thresholds — a band, a slice, an alarm",
    ActionCategory.CALIBRATION: "Calibration — a judge against human labels",
}


def build(
    number_: int,
    *,
    title: str = "",
    item: ActionItem | None = None,
    parent_view_id: str | None = None,
) -> View:
    form = PostmortemForm.ACTION
    blocks: list[Block] = [
        select_input(
            form,
            ActionField.CATEGORY,
            "Category",
            [(c.value, _CATEGORY_HELP[c]) for c in ActionCategory],
            value=item.category.value if item else None,
            optional=False,
            hint="The eval-set change is usually the one that prevents the next regression.",
        ),
        text_input(
            form,
            ActionField.TITLE,
            "Action",
            value=item.title if item else title or None,
            optional=False,
            max_length=SHORT_TEXT_MAX,
            placeholder="e.g. Add 50 known legal question pairs as regression cases",
        ),
        InputBlock(
            block_id=block_id(form, ActionField.OWNER_ID),
            label="Owner",
            optional=True,
            hint="Leave empty if nobody owns it yet: it is chased until someone takes it.",
            element=UserSelectElement(
                action_id=ActionField.OWNER_ID, initial_user=item.owner_id if item else None
            ),
        ),
        date_input(form, ActionField.DUE, "Due", value=item.due if item else None),
        text_input(
            form,
            ActionField.ARTEFACT_URL,
            "Artefact link",
            value=item.artefact_url if item else None,
            max_length=2000,
            placeholder="https://… (a PR, a dataset diff, a calibration record)",
            hint="Mark the item done from `/ai-incident actions`; done needs this link.",
        ),
        DividerBlock(),
        SectionBlock(
            text="*Calibration record* (calibration items only): the judge against human labels."
            " Leave it all empty until you have it."
        ),
        *record_inputs(form, item.calibration if item else None),
    ]
    return View(
        type="modal",
        callback_id=CallbackId.ACTION_ITEM_MODAL,
        title="Edit action item" if item else "Add action item",
        submit="Save",
        close="Cancel",
        private_metadata=ActionItemState(
            incident_number=number_,
            item_id=item.id if item else None,
            original_due=item.due if item else None,
            status=item.status.value if item else None,
            parent_view_id=parent_view_id,
        ).encode(),
        blocks=blocks,
    )


def read(values: Mapping[str, Any]) -> dict[str, object]:
    form = PostmortemForm.ACTION
    return dict(
        category=text_of(values, form, ActionField.CATEGORY),
        title=text_of(values, form, ActionField.TITLE),
        owner_id=text_of(values, form, ActionField.OWNER_ID),
        due=text_of(values, form, ActionField.DUE),
        artefact_url=text_of(values, form, ActionField.ARTEFACT_URL),
        labels=text_of(values, form, ActionField.LABELS),
        kappa=text_of(values, form, ActionField.KAPPA),
        tpr=text_of(values, form, ActionField.TPR),
        tnr=text_of(values, form, ActionField.TNR),
        judge_version=text_of(values, form, ActionField.JUDGE_VERSION),
    )
