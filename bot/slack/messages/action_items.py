"""Action items: the add/edit form, the list with its buttons, and the "mark done" form.

The buttons (Done, Take it, Assign, and Edit/Drop under "More") carry `<incident>:<item id>` and
work the same in the list modal and in a channel message (`item_blocks`, e.g. a reminder), so
whoever is chased can act where they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.core.forms import SHORT_TEXT_MAX
from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    ActionStatus,
    CalibrationRecord,
)
from bot.core.postmortem.flags import MIN_CALIBRATION_LABELS
from bot.core.postmortem.formatting import number
from bot.core.postmortem.reader import Analysis
from bot.slack.forms.fields import (
    ActionItemState,
    AnalysisState,
    DoneState,
    block_id,
    date_input,
    item_ref,
    select_input,
    text_input,
)
from bot.slack.ids import (
    ActionField,
    ActionId,
    CallbackId,
    PostmortemForm,
)
from bot.slack.messages.format import mention, slack_date, truncate
from bot.slack.messages.mrkdwn import escape, optional_link

# Two blocks per item (the item, its buttons) within Slack's 100 blocks per view.
MAX_LISTED_ITEMS = 40

_CATEGORY_HELP = {
    ActionCategory.CODE: "Code — prompt revert, judge rollback, tool-API adapter",
    ActionCategory.EVAL_SET: "Eval set — the failing pattern as a regression case",
    ActionCategory.GATE: "Gates and thresholds — a band, a slice, an alarm",
    ActionCategory.CALIBRATION: "Calibration — a judge against human labels",
}


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


def action_items_modal(analysis: Analysis, *, chased: Mapping[int, datetime] | None = None) -> View:
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


def _record_inputs(form: PostmortemForm, record: CalibrationRecord | None) -> list[Block]:
    return [
        text_input(
            form,
            ActionField.LABELS,
            "Number of human labels",
            value=str(record.labels) if record else None,
            max_length=10,
            placeholder=f"e.g. 40 (at least {MIN_CALIBRATION_LABELS})",
        ),
        text_input(
            form,
            ActionField.KAPPA,
            "Cohen's kappa",
            value=number(record.kappa) if record else None,
            max_length=20,
            placeholder="between -1 and 1, e.g. 0.78",
        ),
        text_input(
            form,
            ActionField.TPR,
            "TPR (true-positive rate)",
            value=number(record.tpr) if record else None,
            max_length=20,
            placeholder="between 0 and 1, e.g. 0.91",
        ),
        text_input(
            form,
            ActionField.TNR,
            "TNR (true-negative rate)",
            value=number(record.tnr) if record else None,
            max_length=20,
            placeholder="between 0 and 1, e.g. 0.88",
        ),
        text_input(
            form,
            ActionField.JUDGE_VERSION,
            "Judge version",
            value=record.judge_version if record else None,
            max_length=SHORT_TEXT_MAX,
            placeholder="e.g. citation-judge v7",
        ),
    ]


def action_item_modal(
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
        *_record_inputs(form, item.calibration if item else None),
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


def done_modal(
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
        blocks += _record_inputs(form, item.calibration)
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
