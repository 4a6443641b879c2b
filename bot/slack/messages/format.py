"""Small text helpers shared by the builders: dates every viewer reads in their own zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Option

from bot.core.postmortem.formatting import duration as span


def slack_date(moment: datetime | None, *, missing: str = "—") -> str:
    """A date Slack renders in the viewer's time zone, with UTC as the fallback text."""
    if moment is None:
        return missing
    epoch = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback}>"


def mention(user_id: str | None, *, missing: str = "_unassigned_") -> str:
    return f"<@{user_id}>" if user_id else missing


def truncate(text: str, limit: int) -> str:
    """Cut text to Slack's field limits, marking the cut so nobody mistakes it for the whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duration(seconds: float) -> str:
    """The postmortem's one rule for spans, to the minute: what Slack shows (a card's "in
    triage for …") would otherwise change every second."""
    if seconds < 60:
        return "under 1 min"
    return span(seconds - seconds % 60)


def options(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    """Select options from (value, label) pairs; labels cut to Slack's 75 characters."""
    return [Option(value=value, text=truncate(label, 75)) for value, label in pairs]
