"""What reminders are claimed and marked through."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class ReminderRepository(Protocol):
    async def claim(
        self,
        *,
        key: str,
        kind: str,
        incident_number: int,
        claimant: str,
        now: datetime,
        lease_until: datetime,
    ) -> bool:
        """Atomically claim an unsent occurrence whose lease is free; False when another
        replica holds it or it was already sent."""
        ...

    async def mark_sent(self, *, key: str, message_ts: str, now: datetime) -> None: ...

    async def sent_among(self, *, keys: Sequence[str]) -> set[str]:
        """The keys, of those given, already sent (cheap pre-filter before claiming)."""
        ...

    async def sent_for(self, *, incident_number: int) -> list[tuple[str, datetime, str]]:
        """(key, sent_at, message_ts) of every reminder sent for an incident."""
        ...
