"""Facts the core hands the chat: what happened, to whom, in numbers, enums and people's words.

The core never words a message for Slack. Each feature declares its notices (frozen dataclasses
deriving from `Notice`) next to its use cases; the Slack edge turns them into text, mentions,
emoji and escaping.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    """Something an incident's channel should be told."""

    channel_id: str
