"""What the incident use cases drive: their repository, and what they read from Slack."""

from __future__ import annotations

from typing import Protocol

from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.model import Incident


class IncidentRepository(Protocol):
    async def add(self, *, incident: Incident) -> Incident:
        """Insert and return the incident with its number assigned.

        Raises bot.core.errors.DuplicateDeclaration when another incident already holds the
        same declare_key (two replicas racing on one double-clicked modal)."""
        ...

    async def save(self, *, incident: Incident) -> None: ...

    async def get(self, *, number: int) -> Incident | None: ...

    async def get_by_channel(self, *, channel_id: str) -> Incident | None: ...

    async def get_by_declare_key(self, *, key: str) -> Incident | None: ...

    async def list_open(self) -> list[Incident]: ...


class ChatReader(Protocol):
    """What the incident use cases read from Slack (effects go through the outbox)."""

    async def permalink(self, *, channel_id: str, ts: str) -> str | None: ...

    async def fetch_message(self, *, channel_id: str, ts: str) -> SlackMessage | None:
        """The message at (channel, ts), top-level or in a thread; None when it is gone."""
        ...


class ChannelMembers(Protocol):
    """Who is in a channel (a private incident is shown only to the members of its channel)."""

    async def is_member(self, *, channel_id: str, user_id: str) -> bool: ...


class NoMembers:
    """Nobody is known to be in any channel: private incidents stay hidden from every list."""

    async def is_member(self, *, channel_id: str, user_id: str) -> bool:
        return False
