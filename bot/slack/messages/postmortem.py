"""What the postmortem's use cases tell the channel, in Slack's words."""

from __future__ import annotations

from bot.core.postmortem.analysis import axis_label
from bot.core.postmortem.formatting import duration
from bot.core.postmortem.notices import (
    ActionAdded,
    ActionAssigned,
    ActionCompleted,
    ActionDropped,
    ClosingSummary,
    DetectionRecorded,
    PostmortemNotUploaded,
    RootCauseRecorded,
    ScopeContradictsSeverity,
)
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
        f"#{notice.number}: {escape(notice.title)} — artefact: {notice.artefact_url}"
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


def not_uploaded_text(notice: PostmortemNotUploaded) -> str:
    number = notice.summary.number
    return (
        f"{closing_summary_text(notice.summary)}\n:x: The file could not be uploaded; get it "
        f"with `ai-incident postmortem {number}` or "
        f"GET /api/v1/incidents/{number}/postmortem.md."
    )
