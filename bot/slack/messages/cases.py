"""Regression cases and gate runs, worded for the incident's channel."""

from __future__ import annotations

from bot.core.cases.notices import CaseCaptured, GateRunReported
from bot.slack.messages.format import truncate
from bot.slack.messages.mrkdwn import escape

FAILING_LISTED = 5


def case_captured_text(notice: CaseCaptured) -> str:
    who = f"<@{notice.actor}>" if notice.actor else "Automation"
    line = " ".join(notice.input.split())
    where = f" (slice {escape(notice.slice)})" if notice.slice else ""
    return (
        f":test_tube: {who} captured a regression case for #{notice.number}{where}: "
        f"“{escape(truncate(line, 120))}” — `{notice.key}`, {notice.total} in all."
    )


def gate_run_reported_text(notice: GateRunReported) -> str:
    run = f"{escape(notice.suite)} at `{escape(notice.commit)}`"
    if notice.url:
        run = f"<{escape(notice.url)}|{run}>"
    if not notice.failing:
        return (
            f":white_check_mark: Gate run {run}: {notice.passed}/{notice.total} of "
            f"#{notice.number}'s regression cases pass."
        )
    listed = ", ".join(f"`{key}`" for key in notice.failing[:FAILING_LISTED])
    more = (
        f" and {len(notice.failing) - FAILING_LISTED} more"
        if len(notice.failing) > FAILING_LISTED
        else ""
    )
    return (
        f":x: Gate run {run}: {notice.passed}/{notice.total} of #{notice.number}'s regression "
        f"cases pass; failing: {listed}{more}."
    )
