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

from bot.core.reminders.notices import (
    CasesNotInEvalSet,
    ItemOverdue,
    ItemUnowned,
    PhaseOverTimebox,
    PostmortemStillOpen,
    UpdateOverdue,
)
from bot.core.reminders.rules import DueReminder, ReminderKind
from bot.slack.forms.fields import item_ref
from bot.slack.ids import ActionId
from bot.slack.messages.format import truncate
from bot.slack.messages.mrkdwn import escape


def reminder_text(reminder: DueReminder) -> str:
    match reminder.facts:
        case PhaseOverTimebox(number=number, channel_id=channel, phase=phase, timebox_minutes=m):
            return (
                f":hourglass: Incident #{number} has been in *{phase}* longer than its "
                f"{m}-minute timebox. Move on with `/ai-incident phase next` in <#{channel}>, "
                "or say why it needs longer."
            )
        case UpdateOverdue(number=number, channel_id=channel, severity=severity, minutes=m):
            return (
                f":loudspeaker: Incident #{number} ({severity.value}) has had no stakeholder "
                f"update for {m} minutes. Post one with `/ai-incident update` in <#{channel}>."
            )
        case PostmortemStillOpen(number=number, channel_id=channel, hours=hours):
            return (
                f":memo: Incident #{number} has been in post-incident for {hours} hours and its "
                f"postmortem is still open. Close it with `/ai-incident close` in <#{channel}>."
            )
        case ItemUnowned(number=number, title=title):
            return (
                f":raising_hand: This action item of incident #{number} has no owner: "
                f"*{escape(title)}*. Take it, or assign someone."
            )
        case ItemOverdue(number=number, title=title, due=due):
            return (
                f":alarm_clock: Your action item of incident #{number} was due "
                f"{due.isoformat()}: *{escape(title)}*. Mark it done with its artefact, or "
                "snooze it for a day."
            )
        case CasesNotInEvalSet(
            number=number, title=title, days_closed=days, captured=captured, held=held
        ):
            if captured == 0:
                missing = (
                    "no regression case was captured, so the eval set holds nothing of it. "
                    "Add the failing examples with `/ai-incident case`, then export them"
                )
            else:
                cases = (
                    "its regression case has"
                    if captured == 1
                    else (
                        f"all {captured} regression cases have"
                        if held == captured
                        else f"{held} of its {captured} regression cases have"
                    )
                )
                missing = (
                    f"{cases} not left the bot. Export them with "
                    f"`ai-incident cases export {number} --format promptfoo` (or "
                    f"`/api/v1/incidents/{number}/cases.jsonl`) into the eval set"
                )
            return (
                f":test_tube: Incident #{number} closed {days} days ago and its eval-set item "
                f"*{escape(title)}* is still open: {missing}, then mark the item done."
            )


def reminder_blocks(reminder: DueReminder) -> list[Block]:
    blocks: list[Block] = [SectionBlock(text=truncate(reminder_text(reminder), 3000))]
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
