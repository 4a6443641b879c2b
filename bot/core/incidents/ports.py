"""What the incident use cases drive: their repository and Slack (the Notifier)."""

from __future__ import annotations

from typing import Protocol

from bot.core.events import Notice
from bot.core.incidents.card import IncidentCard
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

    async def list_unprovisioned(self) -> list[Incident]:
        """Open incidents whose channel was never created (a crash mid-declare)."""
        ...


class Notifier(Protocol):
    """What the use cases ask of Slack. Implementations retry and raise on final failure."""

    async def create_channel(self, *, incident: Incident) -> tuple[str, str]:
        """Create the incident's channel, choosing a free name; return (id, name)."""
        ...

    async def invite(self, *, channel_id: str, user_ids: list[str]) -> None: ...

    async def post_card(self, *, card: IncidentCard) -> str:
        """Post and pin the incident card; return its message ts."""
        ...

    async def update_card(self, *, card: IncidentCard) -> None:
        """Re-render the pinned card in place."""
        ...

    async def post_notice(self, *, notice: Notice) -> None:
        """Tell the notice's channel what happened (the edge words it)."""
        ...

    async def announce(self, *, incident: Incident) -> None:
        """Tell the announce channel (if one is set) that the incident exists."""
        ...

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
