"""Regression cases in Slack words: the capture notice, a gate run's verdict, and one line per
case in the cases list. Inputs and expectations are people's (or a trace tool's) words: they
are abridged to one line and escaped."""

from __future__ import annotations

from bot.core.cases.model import CaseView
from bot.core.cases.notices import CaseCaptured, GateRunReported
from bot.slack.messages.mrkdwn import escape, optional_link

ABRIDGED = 80
MAX_FAILING_LISTED = 10


def abridged(text: str, limit: int = ABRIDGED) -> str:
    """One line of at most `limit` characters, escaped (cut before escaping, so an entity is
    never cut in half)."""
    line = " ".join(text.split())
    return escape(line if len(line) <= limit else line[: limit - 1] + "…")


def _cases(count: int) -> str:
    return f"{count} case{'' if count == 1 else 's'}"


def case_captured_text(notice: CaseCaptured) -> str:
    """`🧪 @alice added regression case `aiinc-7-…` (slice: …): <input> — 3 cases so far`."""
    who = f"<@{notice.actor}>" if notice.actor else "An automation"
    where = f" (slice: {escape(notice.slice)})" if notice.slice else ""
    return (
        f":test_tube: {who} added regression case `{notice.key}`{where}: "
        f"{abridged(notice.input)} — {_cases(notice.total)} so far."
    )


def already_captured_text(key: str, number: int) -> str:
    """To the person who captured an example incident #n already has (nothing new stored)."""
    return (
        f"That input and expected behaviour are already regression case `{key}` of "
        f"#{number}; nothing new was added."
    )


def gate_run_reported_text(notice: GateRunReported) -> str:
    """`Gate run <suite> at `abc1234`: 7/7 pass`, or the keys of the cases it failed."""
    suite = optional_link(notice.url, notice.suite) or escape(notice.suite)
    head = f"Gate run {suite} at `{escape(notice.commit)}`: {notice.passed}/{notice.total} pass"
    tail = ""
    if notice.missing:
        tail += (
            f" {notice.missing} of the incident's cases were not in this run, so no gate item "
            "is verified by it."
        )
    if notice.verified:
        items = ", ".join(f"#{position}" for position in notice.verified)
        tail += f" Verified gate action item {items} and marked it done."
    if not notice.failing:
        return f":white_check_mark: {head}.{tail}"
    listed = ", ".join(f"`{key}`" for key in notice.failing[:MAX_FAILING_LISTED])
    more = len(notice.failing) - MAX_FAILING_LISTED
    if more > 0:
        listed += f" and {more} more"
    return f":x: {head}; failing: {listed}.{tail}"


def verdict_text(view: CaseView) -> str:
    last = view.last
    if last is None:
        return "not run by a gate yet"
    outcome = "pass" if last.passed else "*fail*"
    return f"{outcome} ({escape(last.suite)} at `{escape(last.commit)}`)"


def case_line(view: CaseView) -> str:
    """`` `aiinc-7-…` · slice · risk `` then the input and the expected behaviour, abridged,
    and what the gate last said."""
    case = view.case
    tags = [f"`{case.key}`"]
    if case.slice:
        tags.append(escape(case.slice))
    tags.append(f"{case.risk.value} risk")
    return (
        " · ".join(tags)
        + f"\n*Input:* {abridged(case.input)}"
        + f"\n*{case.expectation.label}:* {abridged(case.expected)}"
        + f"\n*Last verdict:* {verdict_text(view)}"
    )
