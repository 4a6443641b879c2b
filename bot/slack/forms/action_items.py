"""The action-item list modal: every item with its buttons, and a button to add one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.postmortem.analysis import (
    ActionStatus,
)
from bot.core.postmortem.reader import Analysis
from bot.slack.forms.fields import (
    AnalysisState,
)
from bot.slack.ids import (
    ActionId,
    CallbackId,
)
from bot.slack.messages.action_items import item_buttons, item_text
from bot.slack.messages.format import slack_date, truncate
from bot.slack.messages.mrkdwn import escape

# Two blocks per item (the item, its buttons) within Slack's 100 blocks per view.
MAX_LISTED_ITEMS = 40


def build(analysis: Analysis, *, chased: Mapping[int, datetime] | None = None) -> View:
    """The list of items with their buttons; `chased` says when reminders last went out."""
    incident = analysis.incident
    assert incident.number is not None and incident.channel_id is not None
    items = analysis.action_items
    blocks: list[Block] = [
        SectionBlock(
            text=truncate(
                f"*Action items of #{incident.number} {escape(incident.title)}*\n"
                "An item is done only with its artefact: a PR, a dataset diff, a calibration "
                "record. Unowned items are chased until someone takes them.",
                3000,
            )
        )
    ]
    if not items:
        blocks.append(
            SectionBlock(
                text="_No action items yet._ Start with the eval set: the failing pattern as a "
                "regression case."
            )
        )
    for position, item in list(enumerate(items, start=1))[:MAX_LISTED_ITEMS]:
        text = item_text(position, item)
        if item.status is ActionStatus.OPEN and item.id is not None:
            last = (chased or {}).get(item.id)
            text += f"\nLast chased: {slack_date(last) if last else '_not yet_'}"
        blocks.append(SectionBlock(text=truncate(text, 3000)))
        buttons = item_buttons(incident.number, item, editable=incident.is_open)
        if buttons is not None:
            blocks.append(buttons)
    if len(items) > MAX_LISTED_ITEMS:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"…and {len(items) - MAX_LISTED_ITEMS} more.")]
            )
        )
    if incident.is_open:
        blocks.append(DividerBlock())
        blocks.append(
            ActionsBlock(
                block_id="action_items.add",
                elements=[
                    ButtonElement(
                        text="Add an action item",
                        action_id=ActionId.ACTION_ITEM_ADD,
                        value=str(incident.number),
                    )
                ],
            )
        )
    return View(
        type="modal",
        callback_id=CallbackId.ACTION_ITEMS_MODAL,
        title="Action items",
        close="Done",
        private_metadata=AnalysisState(
            incident_number=incident.number, channel_id=incident.channel_id
        ).encode(),
        blocks=blocks,
    )
