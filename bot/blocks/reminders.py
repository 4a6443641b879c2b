"""Reminder messages. Action-item reminders carry the buttons that resolve them."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.format import truncate
from bot.core.reminders import DueReminder


def reminder_blocks(reminder: DueReminder) -> list[Block]:
    return [
        SectionBlock(text=truncate(reminder.text, 3000)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Sent once per period; it stops by itself once the condition is gone."
                )
            ]
        ),
    ]
