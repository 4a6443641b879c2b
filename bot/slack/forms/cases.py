"""The cases list: one entry per regression case (key, slice, input and expected behaviour
abridged, the last verdict), with buttons to add, edit and remove cases."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.cases.model import CaseView
from bot.core.incidents.model import Incident
from bot.slack.forms.fields import analysis_state, context_block, heading, item_ref
from bot.slack.ids import ActionId, CallbackId
from bot.slack.messages.cases import case_line
from bot.slack.messages.format import truncate

# Two blocks per case (the case, its buttons) within Slack's 100 blocks per view.
MAX_LISTED_CASES = 40


def build(incident: Incident, cases: Sequence[CaseView]) -> View:
    assert incident.number is not None
    total = len(cases)
    blocks: list[Block] = [
        heading(
            incident,
            f"Regression cases: {total} captured. Each failing example the incident leaves "
            "in the eval set, so the next instance of the failure blocks CI.",
        )
    ]
    if not cases:
        blocks.append(
            SectionBlock(
                text="_No regression cases yet._ Add one here, or use the message shortcut "
                "*Add as regression case* on a message showing the failure."
            )
        )
    for view in cases[:MAX_LISTED_CASES]:
        ref = item_ref(incident.number, view.case.id)
        blocks.append(SectionBlock(text=truncate(case_line(view), 3000)))
        blocks.append(
            ActionsBlock(
                block_id=f"case.row.{view.case.id}",
                elements=[
                    ButtonElement(text="Edit", action_id=ActionId.CASE_EDIT, value=ref),
                    ButtonElement(
                        text="Remove",
                        action_id=ActionId.CASE_REMOVE,
                        value=ref,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Remove this case?",
                            text=PlainTextObject(
                                text=f"Remove {view.case.key} from the incident's cases?"
                            ),
                            confirm="Remove",
                            deny="Keep",
                        ),
                    ),
                ],
            )
        )
    if total > MAX_LISTED_CASES:
        blocks.append(context_block(f"…and {total - MAX_LISTED_CASES} more cases."))
    blocks.append(
        ActionsBlock(
            block_id="case.add",
            elements=[
                ButtonElement(
                    text="Add a case",
                    action_id=ActionId.CASE_ADD,
                    value=str(incident.number),
                    style="primary",
                )
            ],
        )
    )
    blocks.append(
        context_block(
            "Each case keeps its key when edited: the key is the id an eval runner reports "
            "verdicts under. Export them with `ai-incident cases export`."
        )
    )
    return View(
        type="modal",
        callback_id=CallbackId.CASES_MODAL,
        title="Regression cases",
        close="Done",
        private_metadata=analysis_state(incident),
        blocks=blocks,
    )
