"""The scope list: one line per affected slice, with buttons to add, edit and remove rows."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.incidents.model import Incident
from bot.core.postmortem.analysis import (
    SliceImpact,
)
from bot.core.postmortem.formatting import number, percent, signed
from bot.slack.forms.fields import (
    analysis_state,
    context_block,
    heading,
    item_ref,
)
from bot.slack.ids import (
    ActionId,
    CallbackId,
)
from bot.slack.messages.format import truncate
from bot.slack.messages.mrkdwn import escape

# Two blocks per row (the row, its buttons) within Slack's 100 blocks per view.
MAX_LISTED_ROWS = 40


def slice_line(row: SliceImpact) -> str:
    """`*slice* — metric: 97 → 61 (-36, -37.1%, worse) · 212 users`."""
    change = signed(row.delta)
    if row.delta_pct is not None:
        change += f", {percent(row.delta_pct)}"
    if row.regressed:
        change += ", worse"
    elif row.delta:
        change += ", better"
    users = f" · {row.users_affected:,} users" if row.users_affected is not None else ""
    return (
        f"*{escape(row.slice)}* — {escape(row.metric)}: {number(row.baseline)} → "
        f"{number(row.incident_value)} ({change}){users}"
    )


def build(incident: Incident, rows: Sequence[SliceImpact], *, contradiction: str | None) -> View:
    assert incident.number is not None
    blocks: list[Block] = [
        heading(
            incident,
            f"Per-slice scorecard (severity {incident.severity.value}). Scope sets severity: "
            "never assume “all users” without checking.",
        )
    ]
    if not rows:
        blocks.append(
            SectionBlock(text="_No slice rows yet._ Add each affected slice with its baseline.")
        )
    for row in rows[:MAX_LISTED_ROWS]:
        ref = item_ref(incident.number, row.id)
        blocks.append(SectionBlock(text=truncate(slice_line(row), 3000)))
        blocks.append(
            ActionsBlock(
                block_id=f"scope.row.{row.id}",
                elements=[
                    ButtonElement(text="Edit", action_id=ActionId.SCOPE_EDIT_ROW, value=ref),
                    ButtonElement(
                        text="Remove",
                        action_id=ActionId.SCOPE_REMOVE_ROW,
                        value=ref,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Remove this row?",
                            text=PlainTextObject(
                                text=truncate(f"Remove “{row.slice}” from the scope?", 300)
                            ),
                            confirm="Remove",
                            deny="Keep",
                        ),
                    ),
                ],
            )
        )
    if len(rows) > MAX_LISTED_ROWS:
        blocks.append(context_block(f"…and {len(rows) - MAX_LISTED_ROWS} more rows."))
    if contradiction:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=truncate(f":warning: {escape(contradiction)}", 3000)))
    blocks.append(
        ActionsBlock(
            block_id="scope.add",
            elements=[
                ButtonElement(
                    text="Add a row",
                    action_id=ActionId.SCOPE_ADD_ROW,
                    value=str(incident.number),
                    style="primary",
                )
            ],
        )
    )
    blocks.append(context_block("The delta is computed. Each row is saved as soon as you save it."))
    return View(
        type="modal",
        callback_id=CallbackId.SCOPE_MODAL,
        title="Scope",
        close="Done",
        private_metadata=analysis_state(incident),
        blocks=blocks,
    )
