"""The "what changed" digest and the ledger's other messages, as Block Kit.

Slack refuses a message of more than 50 blocks and a section of more than 3,000 characters, so
the digest is built to a budget: one section per change shown, a line per axis, and the long
tail summarised in a context line — counted per axis and kind, never silently dropped. That
holds for any digest handed in, however large the ledger behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.changes.alertmanager import AlertRecord, AlertStatus
from bot.core.changes.digest import AXIS_LABELS, Digest, DigestGroup
from bot.core.changes.model import Change, change_headline
from bot.core.incidents.model import Incident
from bot.slack.ids import ActionId
from bot.slack.messages.format import slack_date, truncate
from bot.slack.messages.mrkdwn import escape, optional_link
from bot.slack.payloads import pair_in

MAX_BLOCKS = 50
SECTION_MAX = 3000
HEADER_MAX = 150
TEXT_MAX = 3000  # the notification text; Slack allows more, nobody reads more
LIVE_SHOWN = 10  # changes or alerts listed one by one in a live message
# The API, where every change of a summarised tail can be read.
LEDGER_HINT = "`GET /api/v1/changes` lists every one"


def add_button_value(incident_number: int, change_id: int) -> str:
    """What an "Add to timeline" button carries: both ids, so a digest copied to another
    channel still acts on the incident it was made for."""
    return f"{incident_number}:{change_id}"


def parse_add_button_value(value: object) -> tuple[int, int]:
    """(incident number, change id) from what `add_button_value` wrote; MalformedPayload else."""
    return pair_in(value, ":")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def change_meta(change: Change) -> str:
    """The line under a change's headline: when, from where, by whom, and its link."""
    parts = [slack_date(change.occurred_at), escape(change.source)]
    if change.actor and change.actor != change.source:
        by = f"<@{change.actor}>" if change.source == "slack" else escape(change.actor)
        parts.append(f"by {by}")
    if link := optional_link(change.url, "link"):
        parts.append(link)
    return " · ".join(parts)


def change_section_text(change: Change, *, on_timeline: bool = False) -> str:
    meta = change_meta(change)
    if on_timeline:
        meta += " · :white_check_mark: on the timeline"
    return truncate(f"{escape(change_headline(change))}\n{meta}", SECTION_MAX)


_DIGEST_BLOCK = "change_digest"


def digest_block_id(days: int) -> str:
    return f"{_DIGEST_BLOCK}:{days}"


def digest_days(blocks: Sequence[dict[str, Any]]) -> int | None:
    """The window length a digest message was built with (its header's block id), or None for
    a message that is not a digest or was posted before the header carried it."""
    for block in blocks:
        kind, _, days = str(block.get("block_id") or "").partition(":")
        if kind == _DIGEST_BLOCK and days.isdigit():
            return int(days)
    return None


def mark_on_timeline(blocks: list[dict[str, Any]], value: str) -> list[dict[str, Any]] | None:
    """The digest's blocks (as Slack sent them back) with the change whose button carries
    `value` marked as on the timeline instead; None when no such button is left."""
    marked: list[dict[str, Any]] = []
    found = False
    for block in blocks:
        accessory = block.get("accessory") or {}
        if (
            accessory.get("action_id") == ActionId.DIGEST_ADD_TO_TIMELINE
            and accessory.get("value") == value
            and block.get("text", {}).get("type") == "mrkdwn"
        ):
            found = True
            text = block["text"]["text"] + " · :white_check_mark: on the timeline"
            block = {k: v for k, v in block.items() if k != "accessory"}
            block["text"] = {**block["text"], "text": truncate(text, SECTION_MAX)}
        marked.append(block)
    return marked if found else None


# -- the digest -------------------------------------------------------------------------------


def _scope_text(digest: Digest) -> str:
    if digest.service is None:
        return "all AI features"
    return f"*{escape(digest.service)}* and changes filed under no feature"


def _window_text(digest: Digest, incident: Incident | None) -> str:
    until = slack_date(digest.window.until)
    if incident is None:
        anchor = f"up to {until}"
    elif incident.regression_started_at is not None:
        anchor = f"before the regression start ({until})"
    else:
        anchor = f"before the incident was declared ({until})"
    traffic_hours = round(
        (digest.window.until - digest.window.traffic_since).total_seconds() / 3600
    )
    return (
        f"The {_plural(digest.days, 'day')} {anchor}; traffic shifts: {traffic_hours} h · "
        f"{_scope_text(digest)} · {_plural(digest.total, 'change')}"
    )


def _fit(groups: Sequence[DigestGroup], room: int) -> list[int]:
    """How many changes of each group fit in `room` sections, dealt round-robin so that a busy
    axis never takes the last place from a quiet one."""
    fitted = [0] * len(groups)
    while room > 0:
        progressed = False
        for index, group in enumerate(groups):
            if room > 0 and fitted[index] < len(group.changes):
                fitted[index] += 1
                room -= 1
                progressed = True
        if not progressed:
            break
    return fitted


def digest_text(digest: Digest, *, incident: Incident | None) -> str:
    """The notification text of the digest message."""
    about = f"What changed before #{incident.number}" if incident else "The change ledger"
    if digest.is_empty:
        return f"{about}: nothing in the change ledger for this window."
    per_axis = ", ".join(f"{group.label} {group.total}" for group in digest.groups)
    return truncate(f"{about}: {_plural(digest.total, 'change')} ({per_axis})", TEXT_MAX)


def digest_blocks(
    digest: Digest, *, incident: Incident | None, on_timeline: frozenset[str] = frozenset()
) -> list[Block]:
    """The digest: changes grouped by axis, newest first, each with its link and (in an open
    incident) an "Add to timeline" button; the rest counted in the last line."""
    title = (
        f"What changed before #{incident.number}"
        if incident is not None
        else "What changed: the change ledger"
    )
    blocks: list[Block] = [
        # The header carries the window's length so that a click on one of its buttons can
        # rebuild the same digest from what is stored (bot/slack/listeners/changes/).
        HeaderBlock(text=truncate(title, HEADER_MAX), block_id=digest_block_id(digest.days)),
        ContextBlock(elements=[MarkdownTextObject(text=_window_text(digest, incident))]),
    ]
    if digest.is_empty:
        blocks.append(
            SectionBlock(
                text="Nothing in the change ledger for this window. If something changed, "
                "record it with `/ai-incident change` (kind, before → after, link); "
                "`/ai-incident changes 30` looks further back."
            )
        )
        return blocks

    # Fixed blocks: the two above, a line per axis and the tail line.
    room = MAX_BLOCKS - len(blocks) - len(digest.groups) - 1
    fitted = _fit(digest.groups, room)
    buttons = incident is not None and incident.is_open and incident.number is not None
    left_out = 0
    for group, count in zip(digest.groups, fitted, strict=True):
        left_out += len(group.changes) - count
        heading = f"*{group.label}* — {_plural(group.total, 'change')}"
        if count < group.total:
            heading += f", newest {count} shown" if count else ", none shown"
        blocks.append(SectionBlock(text=heading))
        for change in group.changes[:count]:
            listed = change.dedupe_key in on_timeline
            accessory = None
            if buttons and not listed and change.id is not None and incident is not None:
                accessory = ButtonElement(
                    text="Add to timeline",
                    action_id=ActionId.DIGEST_ADD_TO_TIMELINE,
                    value=add_button_value(incident.number or 0, change.id),
                )
            blocks.append(
                SectionBlock(
                    text=change_section_text(change, on_timeline=listed), accessory=accessory
                )
            )

    tail = digest.tail_summary()
    if left_out:
        extra = f"{left_out} more did not fit in one message"
        tail = f"{tail} · {extra}" if tail else extra
    if tail:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=truncate(f"{tail} · {LEDGER_HINT}", 3000))]
            )
        )
    return blocks


# -- live changes, added changes, alerts ------------------------------------------------------


def live_changes_text(incident: Incident, changes: Sequence[Change]) -> str:
    first = escape(change_headline(changes[0])) if changes else ""
    more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
    return truncate(
        f"{_plural(len(changes), 'change')} on the timeline of #{incident.number}: {first}{more}",
        TEXT_MAX,
    )


def live_changes_blocks(
    incident: Incident, changes: Sequence[Change], *, recorded_by: str | None
) -> list[Block]:
    """Changes that just landed on the timeline: recorded in the channel, or arriving live."""
    if recorded_by is not None:
        heading = (
            f":pencil2: <@{recorded_by}> recorded "
            f"{'a change' if len(changes) == 1 else _plural(len(changes), 'change')} "
            f"on the timeline of #{incident.number}:"
        )
    else:
        heading = (
            f":satellite_antenna: New in the change ledger, added to the timeline of "
            f"#{incident.number}:"
        )
    blocks: list[Block] = [SectionBlock(text=heading)]
    for change in changes[:LIVE_SHOWN]:
        axis = AXIS_LABELS[change.axis]
        blocks.append(
            SectionBlock(text=truncate(f"*{axis}* · {change_section_text(change)}", 3000))
        )
    if len(changes) > LIVE_SHOWN:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {len(changes) - LIVE_SHOWN} more, all on the timeline; "
                        "`/ai-incident changes` shows them by axis."
                    )
                ]
            )
        )
    return blocks


def change_added_text(change: Change, *, added_by: str) -> str:
    axis = AXIS_LABELS[change.axis]
    line = f":pushpin: <@{added_by}> put a change on the timeline ({axis}): "
    line += escape(change_headline(change))
    if link := optional_link(change.url, "link"):
        line += f" · {link}"
    return truncate(line, TEXT_MAX)


def alerts_text(incident: Incident, alerts: Sequence[AlertRecord]) -> str:
    """Alerts that just landed on the timeline, one line each."""
    lines = []
    for alert in alerts[:LIVE_SHOWN]:
        icon = ":rotating_light:" if alert.status is AlertStatus.FIRING else ":white_check_mark:"
        line = f"{icon} {escape(alert.headline)}"
        if link := optional_link(alert.url, "source"):
            line += f" · {link}"
        lines.append(line)
    if len(alerts) > LIVE_SHOWN:
        lines.append(f"…and {len(alerts) - LIVE_SHOWN} more on the timeline.")
    head = f"Alertmanager, on the timeline of #{incident.number}:"
    return truncate("\n".join([head, *lines]), TEXT_MAX)
