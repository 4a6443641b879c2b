"""Action items: the add/edit form, the list with its buttons, and the "mark done" form.

The buttons (Done, Take it, Assign, and Edit/Drop under "More") carry `<incident>:<item id>` and
work the same in the list modal and in a channel message (`item_blocks`, e.g. a reminder), so
whoever is chased can act where they are.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    Option,
    OverflowMenuElement,
    SectionBlock,
    UserSelectElement,
)

from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    ActionStatus,
    CalibrationRecord,
)
from bot.core.postmortem.formatting import number
from bot.slack.forms.fields import (
    item_ref,
)
from bot.slack.ids import (
    ActionId,
)
from bot.slack.messages.format import mention, truncate
from bot.slack.messages.mrkdwn import escape, optional_link


def _record_text(record: CalibrationRecord) -> str:
    return (
        f"{record.labels} labels, kappa {number(record.kappa)}, TPR {number(record.tpr)}, "
        f"TNR {number(record.tnr)}, judge {escape(record.judge_version)}"
    )


def item_text(position: int, item: ActionItem) -> str:
    """One item as the list and the channel show it."""
    status = {
        ActionStatus.OPEN: "open",
        ActionStatus.DONE: "done",
        ActionStatus.DROPPED: "dropped",
    }[item.status]
    artefact = optional_link(item.artefact_url, "artefact") if item.artefact_url else None
    title = escape(item.title)
    if item.status is ActionStatus.DROPPED:
        title = f"~{title}~"
    lines = [
        f"*#{position}* {title} _({item.category.label.lower()})_",
        f"Owner: {mention(item.owner_id, missing='_nobody yet_')} · "
        f"Due: {item.due.isoformat() if item.due else '_no date_'} · "
        f"{status}" + (f" — {artefact}" if artefact else ""),
    ]
    if item.category is ActionCategory.CALIBRATION:
        record = item.calibration
        lines.append(
            f"Calibration record: {_record_text(record)}"
            if record
            else "Calibration record: _none yet_ (needed before it is done)"
        )
    return truncate("\n".join(lines), 3000)


def item_buttons(number_: int, item: ActionItem, *, editable: bool = True) -> ActionsBlock | None:
    """Done, Take it, Assign and More (edit, drop) for an item still open; None otherwise.
    Once the incident is closed its items can still be worked on, but no longer edited."""
    if item.status is not ActionStatus.OPEN:
        return None
    ref = item_ref(number_, item.id)
    more = [Option(value=f"edit:{ref}", text="Edit")] if editable else []
    more.append(Option(value=f"drop:{ref}", text="Drop"))
    return ActionsBlock(
        block_id=f"action_item.{ref}",
        elements=[
            ButtonElement(
                text="Done", action_id=ActionId.ACTION_ITEM_DONE, value=ref, style="primary"
            ),
            ButtonElement(text="Take it", action_id=ActionId.ACTION_ITEM_TAKE, value=ref),
            UserSelectElement(
                action_id=ActionId.ACTION_ITEM_ASSIGN,
                placeholder="Assign…",
                initial_user=item.owner_id,
            ),
            OverflowMenuElement(action_id=ActionId.ACTION_ITEM_MORE, options=more),
        ],
    )


def item_blocks(
    number_: int, position: int, item: ActionItem, *, editable: bool = True
) -> list[Block]:
    """An item with its buttons, for a channel message (e.g. a reminder)."""
    blocks: list[Block] = [SectionBlock(text=item_text(position, item))]
    buttons = item_buttons(number_, item, editable=editable)
    if buttons is not None:
        blocks.append(buttons)
    return blocks
