"""App Home: the open incidents, and the action items waiting on the viewer."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.home.service import Home
from bot.slack.messages.format import slack_date, truncate
from bot.slack.messages.mrkdwn import escape

MAX_LISTED = 40  # App Home holds 100 blocks; leave room for the action items
MAX_FAILING_LISTED = 10

_NOTICE_WORDS = "posting a message to the channel"
# What a stuck outbox event means to the people waiting for it.
_STEP_WORDS = {
    "IncidentDeclared": "making the channel, card and announcement",
    "CardChanged": "updating the incident card",
    "PeopleInvited": "inviting people to the channel",
    "PhaseEntered": "posting the phase's checklist",
    "ChecklistChanged": "updating a checklist",
    "ChangesLanded": "posting ledger changes",
    "ChangeAdded": "posting a change added to the timeline",
    "AlertsLanded": "posting alerts",
    "PostmortemCompiled": "sharing the postmortem",
}


def home_view(home: Home) -> View:
    incidents = home.open_incidents
    action_lines = [
        f"• #{owned.incident_number}: {escape(owned.item.title)}"
        + (f" — due {owned.item.due.isoformat()}" if owned.item.due else "")
        for owned in home.owned_items
    ]
    blocks: list[Block] = [HeaderBlock(text="Open AI incidents")]
    if not incidents:
        blocks.append(
            SectionBlock(text="Nothing open. Declare one with `/ai-incident open <title>`.")
        )
    for incident in incidents[:MAX_LISTED]:
        where = f"<#{incident.channel_id}>" if incident.channel_id else "_channel pending_"
        blocks.append(
            SectionBlock(
                text=truncate(
                    f"*#{incident.number} {escape(incident.title)}*\n{incident.severity.value} · "
                    f"{incident.phase} · declared {slack_date(incident.declared_at)} · {where}",
                    3000,
                )
            )
        )
    if len(incidents) > MAX_LISTED:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {len(incidents) - MAX_LISTED} more: `/ai-incident list`."
                    )
                ]
            )
        )
    if home.failing:
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text="Slack steps being retried"))
        lines = [
            f"• #{f.incident_number}: {_STEP_WORDS.get(f.kind, _NOTICE_WORDS)} — "
            f"{f.attempts} attempts, last error `{escape(f.last_error)}`"
            for f in home.failing[:MAX_FAILING_LISTED]
        ]
        lines.append(
            "_The incidents' records are stored; these messages follow as soon as Slack "
            "takes them._"
        )
        blocks.append(SectionBlock(text=truncate("\n".join(lines), 3000)))
    blocks.append(DividerBlock())
    blocks.append(HeaderBlock(text="Your action items"))
    if action_lines:
        blocks.append(SectionBlock(text=truncate("\n".join(action_lines), 3000)))
    else:
        blocks.append(SectionBlock(text="No open action items are waiting on you."))
    return View(type="home", blocks=blocks)
