"""What the change ledger is stored through, and what it asks of Slack."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.changes.alertmanager import AlertRecord
from bot.core.changes.digest import Digest
from bot.core.changes.model import Change, ChangeKind
from bot.core.incidents.model import Incident


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


class ChangeNotifier(Protocol):
    """What the change ledger asks of Slack (bot/slack/change_notifier.py implements it).

    It is handed facts, not text: changes and alerts carry producers' words, which only the
    Block Kit builders may turn into Slack markup (escaped, so nobody can ping a channel
    through a change summary)."""

    async def post_digest(
        self,
        *,
        channel_id: str,
        digest: Digest,
        incident: Incident | None,
        on_timeline: frozenset[str],
    ) -> None:
        """Post the "what changed" digest; `on_timeline` holds the dedupe keys of changes
        already on the incident's timeline (they get no "Add to timeline" button)."""
        ...

    async def post_changes(
        self, *, incident: Incident, changes: Sequence[Change], recorded_by: str | None
    ) -> None:
        """Tell the incident channel that these changes just landed on its timeline: recorded
        there by a responder (`recorded_by`), or arriving live from the ledger (None)."""
        ...

    async def post_change_added(self, *, incident: Incident, change: Change, added_by: str) -> None:
        """Someone put a ledger change (e.g. from the digest) on the timeline."""
        ...

    async def post_alerts(self, *, incident: Incident, alerts: Sequence[AlertRecord]) -> None:
        """Alerts that just landed on the incident's timeline."""
        ...
