"""The "mark done" form: the artefact, and for a calibration item its record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
)
from bot.slack.forms.fields import (
    DoneState,
    record_inputs,
    text_input,
    text_of,
)
from bot.slack.ids import (
    ActionField,
    CallbackId,
    PostmortemForm,
)
from bot.slack.messages.action_items import item_text
from bot.slack.messages.format import truncate


def build(
    number_: int, position: int, item: ActionItem, *, parent_view_id: str | None = None
) -> View:
    assert item.id is not None
    form = PostmortemForm.DONE
    blocks: list[Block] = [
        SectionBlock(text=item_text(position, item)),
        text_input(
            form,
            ActionField.ARTEFACT_URL,
            "Artefact link",
            value=item.artefact_url,
            max_length=2000,
            placeholder="https://… the PR, the dataset diff, the calibration record",
            hint="Required: an item marked done without an artefact is decoration.",
        ),
    ]
    if item.category is ActionCategory.CALIBRATION:
        blocks.append(
            SectionBlock(text="*Calibration record* — required to mark a calibration done.")
        )
        blocks += record_inputs(form, item.calibration)
    return View(
        type="modal",
        callback_id=CallbackId.ACTION_DONE_MODAL,
        title=truncate(f"Done: action #{position}", 24),
        submit="Mark done",
        close="Cancel",
        private_metadata=DoneState(
            incident_number=number_,
            item_id=item.id,
            category=item.category.value,
            has_record=item.calibration is not None,
            parent_view_id=parent_view_id,
        ).encode(),
        blocks=blocks,
    )


def read(values: Mapping[str, Any]) -> dict[str, object]:
    form = PostmortemForm.DONE
    return dict(
        artefact_url=text_of(values, form, ActionField.ARTEFACT_URL),
        labels=text_of(values, form, ActionField.LABELS),
        kappa=text_of(values, form, ActionField.KAPPA),
        tpr=text_of(values, form, ActionField.TPR),
        tnr=text_of(values, form, ActionField.TNR),
        judge_version=text_of(values, form, ActionField.JUDGE_VERSION),
    )
