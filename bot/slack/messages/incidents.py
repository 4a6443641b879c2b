"""The incident card: one pinned message per incident, edited in place as things change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.incidents.card import IncidentCard
from bot.core.incidents.events import SeverityEscalated
from bot.core.incidents.model import Incident
from bot.core.incidents.notices import RoleAssigned, SeverityChanged, StakeholderUpdate
from bot.slack.ids import ActionId
from bot.slack.messages.format import duration, mention, slack_date, truncate
from bot.slack.messages.mrkdwn import escape

_SEVERITY_ICON = {
    "S1": ":red_circle:",
    "S2": ":large_orange_circle:",
    "S3": ":large_yellow_circle:",
}


def card_text(incident: Incident) -> str:
    """The notification/fallback text of the card."""
    return (
        f"Incident #{incident.number}: {escape(incident.title)} — {incident.severity.value}, "
        f"{incident.status.value}, phase {incident.phase}"
    )


MAX_LISTED = 50  # `list` answers in one message; the rest are counted


def open_incidents_text(incidents: Sequence[Incident]) -> str:
    """What `list` answers: one line per open incident."""
    lines = [
        f"• *#{i.number}* {escape(i.title)} — {i.severity.value}, {i.phase}"
        + (f" — <#{i.channel_id}>" if i.channel_id else "")
        for i in incidents[:MAX_LISTED]
    ]
    more = f"\n…and {len(incidents) - MAX_LISTED} more." if len(incidents) > MAX_LISTED else ""
    return f"*Open incidents ({len(incidents)})*\n" + "\n".join(lines) + more


def card_blocks(card: IncidentCard, *, now: datetime) -> list[Block]:
    """The card as pinned in the channel and as `status` answers it."""
    incident, timebox_minutes = card.incident, card.timebox_minutes
    icon = _SEVERITY_ICON.get(incident.severity.value, "")
    status = "Open" if incident.is_open else "Closed"
    in_phase = ""
    if incident.phase_started_at and incident.is_open:
        spent = (now - incident.phase_started_at).total_seconds()
        in_phase = f" for {duration(spent)}"
        if timebox_minutes is not None:
            late = " :hourglass: past its timebox" if spent > timebox_minutes * 60 else ""
            in_phase += f" of {duration(timebox_minutes * 60)}{late}"
    fields = [
        f"*Severity*\n{icon} {incident.severity.label}",
        f"*Status*\n{status}",
        f"*Phase*\n{incident.phase}{in_phase}",
        f"*Category*\n{incident.category.label}",
        f"*AI feature*\n{truncate(escape(incident.ai_feature or '—'), 200)}",
        f"*Runbook*\n{incident.runbook}",
        f"*Commander*\n{mention(incident.commander_id)}",
        f"*Comms*\n{mention(incident.comms_id)}",
        f"*Scribe*\n{mention(incident.scribe_id)}",
        f"*Declared*\n{slack_date(incident.declared_at)}",
    ]
    if incident.regression_started_at:
        fields.append(f"*Regression started*\n{slack_date(incident.regression_started_at)}")
    if incident.closed_at:
        fields.append(f"*Closed*\n{slack_date(incident.closed_at)}")
    if card.open_items:
        unowned = f" — :warning: {card.unowned_items} unowned" if card.unowned_items else ""
        fields.append(f"*Open action items*\n{card.open_items}{unowned}")
    if card.cases:
        fields.append(f"*Regression cases*\n{card.cases}")
    blocks: list[Block] = [
        HeaderBlock(text=truncate(f"#{incident.number} {incident.title}", 150)),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields[:10]]),
    ]
    if len(fields) > 10:
        blocks.append(SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields[10:]]))
    if incident.description:
        blocks.append(
            SectionBlock(text=truncate(f"*Description*\n{escape(incident.description)}", 3000))
        )
    if incident.last_update_text:
        blocks.append(DividerBlock())
        blocks.append(
            SectionBlock(
                text=truncate(
                    f"*Latest update* ({slack_date(incident.last_update_at)})\n"
                    f"{escape(incident.last_update_text)}",
                    3000,
                )
            )
        )
    if card.failing_effects:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f":warning: {card.failing_effects} Slack step(s) keep failing and "
                        "are being retried; the incident's data is safe (see App Home)."
                    )
                ]
            )
        )
    if incident.is_open:
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Post update",
                        action_id=ActionId.CARD_POST_UPDATE,
                        value=str(incident.number),
                    )
                ]
            )
        )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="This card updates itself. `/ai-incident help` lists what you can do here."
                )
            ]
        )
    )
    return blocks


def announcement_text(incident: Incident) -> str:
    return (
        f":rotating_light: Incident #{incident.number} declared: *{escape(incident.title)}* "
        f"({incident.severity.value}, {incident.category.label}). "
        f"Join <#{incident.channel_id}> to help."
    )


def escalation_text(incident: Incident, escalation: SeverityEscalated) -> str:
    return (
        f":rotating_light: Incident #{incident.number} escalated "
        f"{escalation.previous.value} → {escalation.severity.value}: "
        f"*{escape(incident.title)}* (by <@{escalation.actor}>). "
        f"Join <#{incident.channel_id}> to help."
    )


def role_assigned_text(notice: RoleAssigned) -> str:
    return f":bust_in_silhouette: <@{notice.user_id}> is now {notice.role.value}."


def severity_changed_text(notice: SeverityChanged) -> str:
    return (
        f":rotating_light: Severity changed {notice.previous.value} → {notice.severity.value} "
        f"by <@{notice.actor}>."
    )


def stakeholder_update_text(notice: StakeholderUpdate) -> str:
    return f":loudspeaker: *Stakeholder update* from <@{notice.actor}>:\n{escape(notice.text)}"
