"""The ports the use cases drive: storage, Slack and time.

Storage implements the repositories and the unit of work (storage/); Slack implements the
Notifier (bot/slack_notifier.py); tests can swap any of them. Repository methods are
keyword-only and never commit: the unit of work commits once, when the use case is done.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Protocol, Self

from bot.core.changes import Change, ChangeKind
from bot.core.digest import Digest
from bot.core.incident import Incident
from bot.core.messages import SlackMessage
from bot.core.phases import EntryState, PhaseRun
from bot.core.postmortem import CloseOverride, Postmortem
from bot.core.postmortem.analysis import ActionItem, Detection, Resolution, RootCause, SliceImpact
from bot.core.timeline import TimelineEvent
from bot.core.webhooks import AlertRecord


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


class PhaseRepository(Protocol):
    async def start(self, *, run: PhaseRun) -> PhaseRun: ...

    async def current(self, *, incident_number: int) -> PhaseRun | None:
        """The run not yet ended (locked for update), or None before the first phase."""
        ...

    async def save(self, *, run: PhaseRun) -> None: ...

    async def runs(self, *, incident_number: int) -> list[PhaseRun]: ...

    async def open_runs(self) -> dict[int, PhaseRun]:
        """Every run not yet ended, by incident number (one query, for the reminder sweep)."""
        ...

    async def entries(self, *, incident_number: int, phase: str) -> dict[str, EntryState]: ...

    async def set_entry(self, *, state: EntryState) -> None: ...


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

    async def claim_many(
        self,
        *,
        occurrences: Sequence[tuple[str, str, int]],
        claimant: str,
        now: datetime,
        lease_until: datetime,
    ) -> set[str]:
        """`claim` for many (key, kind, incident number) at once; the keys now held."""
        ...

    async def mark_sent(self, *, key: str, message_ts: str, now: datetime) -> None: ...

    async def sent_among(self, *, keys: Sequence[str]) -> set[str]:
        """The keys, of those given, already sent (cheap pre-filter before claiming)."""
        ...

    async def sent_for(self, *, incident_number: int) -> list[tuple[str, datetime, str]]:
        """(key, sent_at, message_ts) of every reminder sent for an incident."""
        ...


@dataclass(frozen=True)
class ItemToChase:
    incident_number: int
    incident_open: bool
    channel_id: str | None
    item: ActionItem


class UnitOfWork(Protocol):
    """One database transaction; commits on a clean exit, rolls back on an exception."""

    incidents: IncidentRepository
    timeline: TimelineRepository
    processed_events: ProcessedEventRepository
    analysis: AnalysisRepository
    action_items: ActionItemRepository
    postmortems: PostmortemRepository
    phases: PhaseRepository
    reminders: ReminderRepository
    changes: ChangeRepository

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

    async def update_card(
        self, *, incident: Incident, open_items: int = 0, unowned_items: int = 0
    ) -> None:
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


# -- the postmortem's records (detection, scope, root cause, actions, close) ------------------
# Every method below acts on one incident's records. Use cases lock the incident first
# (IncidentRepository.get / get_by_channel), so writes to one incident's records never race.


class AnalysisRepository(Protocol):
    """What responders record for the postmortem, one section per incident (scope: many rows)."""

    async def get_detection(self, *, incident_number: int) -> Detection | None: ...

    async def save_detection(self, *, incident_number: int, detection: Detection) -> None:
        """Insert or replace the incident's detection."""
        ...

    async def list_slices(self, *, incident_number: int) -> list[SliceImpact]:
        """Scope rows in the order they were added."""
        ...

    async def add_slice(self, *, incident_number: int, row: SliceImpact) -> SliceImpact:
        """Store a new row; returns it with its id."""
        ...

    async def save_slice(self, *, incident_number: int, row: SliceImpact) -> bool:
        """Replace the row with `row.id`; False when the incident has no such row."""
        ...

    async def remove_slice(self, *, incident_number: int, slice_id: int) -> bool:
        """False when the incident has no such row (already removed)."""
        ...

    async def get_root_cause(self, *, incident_number: int) -> RootCause | None: ...

    async def save_root_cause(self, *, incident_number: int, root_cause: RootCause) -> None: ...

    async def get_resolution(self, *, incident_number: int) -> Resolution | None: ...

    async def save_resolution(self, *, incident_number: int, resolution: Resolution) -> None: ...

    async def get_close_override(self, *, incident_number: int) -> CloseOverride | None: ...

    async def save_close_override(
        self, *, incident_number: int, override: CloseOverride
    ) -> None: ...


class ActionItemRepository(Protocol):
    async def add(self, *, incident_number: int, item: ActionItem) -> ActionItem:
        """Store a new item; returns it with its id."""
        ...

    async def get(self, *, incident_number: int, item_id: int) -> ActionItem | None:
        """The item, locked for update; None when the incident has no such item."""
        ...

    async def save(self, *, incident_number: int, item: ActionItem) -> None: ...

    async def list_for(self, *, incident_number: int) -> list[ActionItem]:
        """In the order the postmortem numbers them (by id)."""
        ...

    async def open_for_owner(self, *, owner_id: str) -> list[tuple[int, ActionItem]]:
        """Open items someone owns, across incidents, as (incident number, item)."""
        ...

    async def to_chase(
        self, *, unowned_created_before: datetime, due_before: date
    ) -> list[ItemToChase]:
        """Open items that may need a reminder: unowned ones (of open incidents) created
        before the first-reminder delay, and owned ones whose due date has passed."""
        ...


class PostmortemRepository(Protocol):
    """The compiled postmortem, stored at close (and refreshed when an action item changes)."""

    async def get(self, *, incident_number: int) -> Postmortem | None: ...

    async def save(self, *, incident_number: int, postmortem: Postmortem) -> None:
        """Insert or replace."""
        ...


class UserDirectory(Protocol):
    async def display_names(self, *, user_ids: list[str]) -> dict[str, str]:
        """Display names by user id; ids it cannot resolve are left out, never an error."""
        ...


class PostmortemPublisher(Protocol):
    """What closing an incident asks of Slack beyond the Notifier: the file and the archive."""

    async def upload_markdown(
        self, *, channel_id: str, filename: str, title: str, content: str, comment: str
    ) -> None:
        """Share `content` as a file in the channel, with `comment` as its message."""
        ...

    async def archive_channel(self, *, channel_id: str) -> None: ...


# -- the change ledger (bot.core.changes) -----------------------------------------------------


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
    """What the change ledger asks of Slack (bot/slack_change_notifier.py implements it).

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
