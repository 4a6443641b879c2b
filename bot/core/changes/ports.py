"""What the change ledger is stored through, and what it asks of Slack."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.changes.model import Change, ChangeKind


class ChangeRepository(Protocol):
    """The global ledger of control-plane changes, independent of incidents.

    `services` filters by the AI feature or service a change is filed under, compared without
    regard to case; a None entry stands for changes filed under none (provider-wide changes,
    which concern every feature). `services=None` means any. Time bounds are inclusive.
    """

    async def add(self, *, change: Change, recorded_at: datetime) -> tuple[Change, bool]:
        """Store the change unless the ledger already holds its (source, external_id).

        Returns the ledger's version (with its id; on a repeat the first one, unchanged) and
        whether this call stored it. A repeat never raises, so a batch goes on."""
        ...

    async def add_many(
        self, *, changes: Sequence[Change], recorded_at: datetime
    ) -> list[tuple[Change, bool]]:
        """`add` for each change in turn, answered in the order given, in as few statements as
        the store allows. A change repeating one earlier in the same call is a repeat."""
        ...

    async def get(self, *, change_id: int) -> Change | None: ...

    async def get_by_key(self, *, source: str, external_id: str) -> Change | None: ...

    async def newest(
        self,
        *,
        until: datetime,
        limit: int,
        since: datetime | None = None,
        services: Sequence[str | None] | None = None,
        kinds: Collection[ChangeKind] | None = None,
        source: str | None = None,
    ) -> list[Change]:
        """Up to `limit` changes in the window, newest first (same time: higher id first)."""
        ...

    async def count_by_kind(
        self,
        *,
        since: datetime,
        until: datetime,
        services: Sequence[str | None] | None = None,
        kinds: Collection[ChangeKind] | None = None,
    ) -> dict[ChangeKind, int]:
        """How many changes of each kind the window holds (kinds with none are left out)."""
        ...
