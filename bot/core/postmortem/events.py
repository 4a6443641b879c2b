"""What closing records in the outbox for the projector to perform."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.events import Event


@dataclass(frozen=True)
class PostmortemCompiled(Event):
    """The incident is closed and its postmortem stored: share it in the channel (and archive
    the channel, where that is the team's setting)."""

    number: int
    actor: str
    overridden: tuple[str, ...]  # titles of the blocking review flags closed over
