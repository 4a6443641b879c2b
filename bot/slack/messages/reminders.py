"""Reminder messages. Action-item reminders carry the buttons that resolve them, using the
same action ids as the action-item list, so the same handlers serve both."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
    UserSelectElement,
)

from bot.core.reminders.rules import DueReminder, ReminderKind
from bot.slack.forms.fields import item_ref
from bot.slack.ids import ActionId
from bot.slack.messages.format import truncate


def reminder_blocks(reminder: DueReminder) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=truncate(reminder.text, 3000))]
    if "item" in reminder.subject:
        ref = item_ref(reminder.incident_number, int(reminder.subject["item"]))
        if reminder.kind is ReminderKind.UNOWNED_ITEM:
            blocks.append(
                ActionsBlock(
                    block_id=f"action_item.{ref}",
                    elements=[
                        ButtonElement(
                            text="Take it",
                            action_id=ActionId.ACTION_ITEM_TAKE,
                            value=ref,
                            style="primary",
                        ),
                        UserSelectElement(
                            action_id=ActionId.ACTION_ITEM_ASSIGN, placeholder="Assign…"
                        ),
                    ],
                )
            )
        elif reminder.kind is ReminderKind.OVERDUE_ITEM:
            blocks.append(
                ActionsBlock(
                    block_id=f"action_item.{ref}",
                    elements=[
                        ButtonElement(
                            text="Done",
                            action_id=ActionId.ACTION_ITEM_DONE,
                            value=ref,
                            style="primary",
                        ),
                        ButtonElement(
                            text="Snooze 1 day", action_id=ActionId.REMINDER_SNOOZE, value=ref
                        ),
                    ],
                )
            )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Sent once per period; it stops by itself once the condition is gone."
                )
            ]
        )
    )
    return blocks
