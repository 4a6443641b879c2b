"""What the postmortem's use cases tell the channel, in Slack's words, and the preview of the
postmortem with its open review flags (`/ai-incident postmortem`; the close form lists the
flags the same way)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.core.postmortem import Flag
from bot.core.postmortem.analysis import axis_label
from bot.core.postmortem.formatting import duration
from bot.core.postmortem.notices import (
    ActionAdded,
    ActionAssigned,
    ActionCompleted,
    ActionDropped,
    ClosingSummary,
    DetectionRecorded,
    RootCauseRecorded,
    ScopeContradictsSeverity,
)
from bot.core.postmortem.reader import PostmortemDocument
from bot.slack.ids import SLASH_COMMAND
from bot.slack.messages.format import slack_date, truncate
from bot.slack.messages.mrkdwn import escape


def detection_recorded_text(notice: DetectionRecorded) -> str:
    how = notice.how.label.lower() if notice.how else "not recorded"
    signal = f", signal “{escape(notice.signal)}”" if notice.signal else ""
    ttd = (
        f"*time-to-detect {duration(notice.time_to_detect_seconds)}* "
        "(regression start → first credible alarm)"
        if notice.time_to_detect_seconds is not None
        else "time-to-detect not computable yet: record the regression start and the "
        "first credible alarm"
    )
    return (
        f":mag: <@{notice.actor}> recorded the detection of #{notice.number}: {how}{signal}; {ttd}."
    )


def scope_contradiction_text(notice: ScopeContradictsSeverity) -> str:
    return (
        f":warning: *Scope vs severity on #{notice.number}* ({notice.severity.value}): "
        f"{escape(notice.explanation)}"
    )


def root_cause_recorded_text(notice: RootCauseRecorded) -> str:
    axes = ", ".join(
        axis_label(axis) + (" (moved first)" if axis is notice.first_axis else "")
        for axis in notice.axes
    )
    return f":dart: <@{notice.actor}> recorded the root cause of #{notice.number}: {axes}."


def action_added_text(notice: ActionAdded) -> str:
    owner = f"owner <@{notice.owner_id}>" if notice.owner_id else "no owner yet"
    due = f", due {notice.due.isoformat()}" if notice.due else ""
    return (
        f":clipboard: <@{notice.actor}> added action #{notice.position} "
        f"({notice.category.label.lower()}): {escape(notice.title)} — {owner}{due}."
    )


def action_assigned_text(notice: ActionAssigned) -> str:
    by = "took" if notice.owner_id == notice.actor else f"was assigned by <@{notice.actor}>"
    return (
        f":bust_in_silhouette: <@{notice.owner_id}> {by} action #{notice.position} of "
        f"#{notice.number}: {escape(notice.title)}."
    )


def action_completed_text(notice: ActionCompleted) -> str:
    return (
        f":white_check_mark: <@{notice.actor}> completed action #{notice.position} of "
        f"#{notice.number}: {escape(notice.title)} — artefact: {escape(notice.artefact_url or '')}"
    )


def action_dropped_text(notice: ActionDropped) -> str:
    return (
        f":wastebasket: <@{notice.actor}> dropped action #{notice.position} of "
        f"#{notice.number}: {escape(notice.title)}."
    )


def closing_summary_text(summary: ClosingSummary) -> str:
    """The message posted with the postmortem file."""
    lines = [
        f":closed_book: *Incident #{summary.number} is closed* by <@{summary.actor}>. "
        "The postmortem is attached.",
        f"Time-to-detect {duration(summary.time_to_detect_seconds)} · "
        f"time-to-mitigate {duration(summary.time_to_mitigate_seconds)} · "
        f"{summary.action_items} action item(s), {summary.eval_set_items} on the eval set, "
        f"{summary.open_items} open.",
    ]
    if summary.review_flags:
        lines.append(
            f"Review flags still open: {summary.review_flags} — see the end of the document."
        )
    else:
        lines.append("No review flag is open.")
    if summary.overridden:
        lines.append(
            f":warning: Closed anyway by <@{summary.actor}> with blocking flags open: "
            f"{', '.join(summary.overridden)}. This is recorded in the postmortem."
        )
    if summary.template_problem:
        lines.append(
            ":warning: The team's postmortem template failed, so the built-in one was used: "
            f"{escape(summary.template_problem)}"
        )
    return "\n".join(lines)


# -- the review flags, and the preview -------------------------------------------------------

MAX_FLAGS_SHOWN = 12

# Where each flag is fixed: the first part of its `where`, mapped to the command that opens
# the form for it.
_FIXED_WITH = {
    "detection": "detection",
    "scope": "scope",
    "root_cause": "rootcause",
    "action_items": "actions",
    "incident": "update",
    "resolution": "close",
}


def fix_command(flag: Flag) -> str | None:
    sub = _FIXED_WITH.get(flag.where.split(".", 1)[0])
    return f"`{SLASH_COMMAND} {sub}`" if sub else None


def flag_line(flag: Flag) -> str:
    mark = ":no_entry: *Blocking* · " if flag.blocking else ":small_orange_diamond: "
    fix = fix_command(flag)
    return f"{mark}*{escape(flag.title)}* — {escape(flag.detail)}" + (f" → {fix}" if fix else "")


def flag_sections(flags: Sequence[Flag]) -> list[Block]:
    """The flags as sections of at most 3,000 characters each."""
    sections: list[Block] = []
    chunk = ""
    for flag in flags[:MAX_FLAGS_SHOWN]:
        line = truncate(flag_line(flag), 1000)
        if chunk and len(chunk) + len(line) + 1 > 3000:
            sections.append(SectionBlock(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        sections.append(SectionBlock(text=chunk))
    if len(flags) > MAX_FLAGS_SHOWN:
        sections.append(_context(f"…and {len(flags) - MAX_FLAGS_SHOWN} more flags."))
    return sections


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 3000))])


def preview_text(document: PostmortemDocument) -> str:
    incident, postmortem = document.incident, document.postmortem
    flags = postmortem.flags
    blocking = [f for f in flags if f.blocking]
    kind = "Postmortem" if document.stored else "Postmortem draft"
    return (
        f"{kind} of #{incident.number}: {len(flags)} review flag(s) open, {len(blocking)} blocking."
    )


def preview_blocks(document: PostmortemDocument) -> list[Block]:
    """`/ai-incident postmortem`: where the postmortem stands, and its open review flags."""
    incident, postmortem = document.incident, document.postmortem
    data = postmortem.data
    times = data["times"]
    flags = postmortem.flags
    blocking = [f for f in flags if f.blocking]
    scope_rows = len(data["scope"]["rows"])
    axes = ", ".join(
        a["label"] + (" (first)" if a["first"] else "") for a in data["root_cause"]["axes"]
    )
    items = data["action_items"]
    evals = [i for i in items if i["category"] == "eval_set" and i["status"] != "dropped"]
    if document.stored:
        heading = (
            f"*Postmortem of #{incident.number}* — compiled at close "
            f"({slack_date(postmortem.compiled_at)})."
        )
    else:
        heading = (
            f"*Postmortem draft of #{incident.number}* — as it would be compiled now. "
            "Closing compiles it from the same records."
        )
    status = "\n".join(
        [
            f"• Detection: {'recorded' if data['detection']['recorded'] else '_not recorded_'}"
            f" · time-to-detect {duration(times['time_to_detect']['seconds'])}",
            f"• Scope: {scope_rows} slice row(s)",
            f"• Root cause: {axes or '_not recorded_'}",
            f"• Action items: {len(items)} ({len(evals)} on the eval set)",
        ]
    )
    blocks: list[Block] = [
        SectionBlock(text=truncate(f"{heading}\n{status}", 3000)),
        DividerBlock(),
    ]
    if flags:
        blocks.append(
            SectionBlock(
                text=f"*Review flags: {len(flags)}* ({len(blocking)} blocking"
                + (" — closing needs an explicit “close anyway”" if blocking else "")
                + ")"
            )
        )
        blocks += flag_sections(flags)
    else:
        blocks.append(SectionBlock(text=":white_check_mark: No review flag is open."))
    if postmortem.template_problem:
        blocks.append(
            _context(
                ":warning: The team's template failed; the built-in one was used: "
                + escape(postmortem.template_problem)
            )
        )
    blocks.append(
        _context(
            f"The whole document: `ai-incident postmortem {incident.number}` or "
            f"GET /api/v1/incidents/{incident.number}/postmortem.md"
        )
    )
    return blocks
