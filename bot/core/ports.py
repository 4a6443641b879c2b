"""The ports the use cases drive: storage, Slack and time.

Storage implements the repositories and the unit of work (storage/); Slack implements the
Notifier (bot/slack_notifier.py); tests can swap any of them. Repository methods are
keyword-only and never commit: the unit of work commits once, when the use case is done.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Protocol, Self

from bot.core.incident import Incident
from bot.core.messages import SlackMessage
from bot.core.timeline import TimelineEvent


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


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


class TimelineRepository(Protocol):
    async def add(self, *, event: TimelineEvent) -> bool:
        """Store the event; False (and nothing stored) when its dedupe key is already there."""
        ...

    async def list_for(self, *, incident_number: int) -> list[TimelineEvent]: ...


class ProcessedEventRepository(Protocol):
    async def claim(self, *, event_id: str, received_at: datetime) -> bool:
        """True the first time an event id is seen, False on every redelivery."""
        ...


class UnitOfWork(Protocol):
    """One database transaction; commits on a clean exit, rolls back on an exception."""

    incidents: IncidentRepository
    timeline: TimelineRepository
    processed_events: ProcessedEventRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Notifier(Protocol):
    """What the use cases ask of Slack. Implementations retry and raise on final failure."""

    async def create_channel(self, *, incident: Incident) -> tuple[str, str]:
        """Create the incident's channel, choosing a free name; return (id, name)."""
        ...

    async def invite(self, *, channel_id: str, user_ids: list[str]) -> None: ...

    async def post_card(self, *, incident: Incident) -> str:
        """Post and pin the incident card; return its message ts."""
        ...

    async def update_card(self, *, incident: Incident) -> None:
        """Re-render the pinned card in place."""
        ...

    async def post_notice(self, *, channel_id: str, text: str) -> None: ...

    async def announce(self, *, incident: Incident) -> None:
        """Tell the announce channel (if one is set) that the incident exists."""
        ...

    async def permalink(self, *, channel_id: str, ts: str) -> str | None: ...

    async def fetch_message(self, *, channel_id: str, ts: str) -> SlackMessage | None:
        """The message at (channel, ts), top-level or in a thread; None when it is gone."""
        ...
