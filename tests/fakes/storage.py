"""Every repository port of bot/core, in memory, behind a unit of work that commits on a clean
exit and discards everything on an exception, as the SQL one does.

A unit of work works on its own deep copy of the committed records and publishes it on commit,
so a use case that fails half-way leaves nothing behind, and a model a use case changed is not
stored until it is saved. What comes out of a repository is a copy too, as rows read from a
database are. Meant for sequential use cases: two units of work open at once do not see each
other, and the last to commit wins.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Self, TypeVar

from pydantic import BaseModel

from bot.core.cases.model import EvalRun, LastVerdict, RegressionCase
from bot.core.cases.ports import CaseRepository, EvalRunRepository
from bot.core.changes.model import Change, ChangeKind
from bot.core.changes.ports import ChangeRepository
from bot.core.errors import DuplicateDeclaration, IncidentNotFound
from bot.core.events import Event, decode_event, encode_event
from bot.core.incidents.model import Incident, Status
from bot.core.incidents.ports import IncidentRepository
from bot.core.outbox import FailingEffect, OutboxEntry, OutboxRepository
from bot.core.postmortem import CloseOverride, Postmortem
from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    ActionStatus,
    Detection,
    Resolution,
    RootCause,
    SliceImpact,
    as_utc,
)
from bot.core.postmortem.ports import (
    ActionItemRepository,
    AnalysisRepository,
    ItemToChase,
    PostmortemRepository,
)
from bot.core.reminders.ports import ReminderRepository
from bot.core.runbooks.phases import EntryState, PhaseRun
from bot.core.runbooks.ports import PhaseRepository
from bot.core.timeline import TimelineEvent
from bot.core.unit_of_work import ProcessedEventRepository, TimelineRepository
from bot.core.webhook_deliveries import RememberedAnswer, WebhookDeliveryRepository

ModelT = TypeVar("ModelT", bound=BaseModel)


def _copy(model: ModelT) -> ModelT:
    return model.model_copy(deep=True)


def _service_key(service: str | None) -> str | None:
    return None if service is None else service.strip().casefold()


@dataclass
class Reminder:
    """One reminder occurrence as the ledger of reminders keeps it."""

    key: str
    kind: str
    incident_number: int
    claimed_by: str
    claimed_until: datetime
    attempts: int = 1
    sent_at: datetime | None = None
    message_ts: str | None = None


@dataclass
class StoredEvent:
    """An outbox row: the event kept as (kind, JSON payload), as the database keeps it."""

    incident_number: int
    kind: str
    payload: dict[str, object]
    created_at: datetime
    steps: dict[str, object] = field(default_factory=dict)
    attempts: int = 0
    not_before: datetime | None = None
    last_error: str | None = None
    done_at: datetime | None = None


@dataclass
class Projection:
    claimed_by: str | None
    claimed_until: datetime
    last_card: str | None = None


@dataclass
class Records:
    """Everything stored, by table. Ids count up per table, as sequences do."""

    incidents: dict[int, Incident] = field(default_factory=dict)
    timeline: list[TimelineEvent] = field(default_factory=list)
    processed_events: dict[str, datetime] = field(default_factory=dict)
    webhook_deliveries: dict[str, RememberedAnswer] = field(default_factory=dict)
    phase_runs: dict[int, PhaseRun] = field(default_factory=dict)
    entries: dict[tuple[int, str, str], EntryState] = field(default_factory=dict)
    reminders: dict[str, Reminder] = field(default_factory=dict)
    detections: dict[int, Detection] = field(default_factory=dict)
    slices: dict[int, tuple[int, SliceImpact]] = field(default_factory=dict)
    root_causes: dict[int, RootCause] = field(default_factory=dict)
    resolutions: dict[int, Resolution] = field(default_factory=dict)
    close_overrides: dict[int, CloseOverride] = field(default_factory=dict)
    action_items: dict[int, tuple[int, ActionItem]] = field(default_factory=dict)
    postmortems: dict[int, Postmortem] = field(default_factory=dict)
    changes: dict[int, Change] = field(default_factory=dict)
    cases: dict[int, RegressionCase] = field(default_factory=dict)
    eval_runs: dict[int, EvalRun] = field(default_factory=dict)
    outbox: dict[int, StoredEvent] = field(default_factory=dict)
    projections: dict[int, Projection] = field(default_factory=dict)
    last_ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.last_ids[table] = self.last_ids.get(table, 0) + 1
        return self.last_ids[table]


class InMemoryIncidents:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def add(self, *, incident: Incident) -> Incident:
        key = incident.declare_key
        if key is not None and any(i.declare_key == key for i in self._records.incidents.values()):
            raise DuplicateDeclaration(key)
        number = incident.number or self._records.next_id("incidents")
        stored = incident.model_copy(update={"number": number}, deep=True)
        self._records.incidents[number] = stored
        return _copy(stored)

    async def save(self, *, incident: Incident) -> None:
        if incident.number is None:
            raise ValueError("cannot save an incident that was never added (it has no number)")
        if incident.number not in self._records.incidents:
            raise IncidentNotFound(incident.number)
        self._records.incidents[incident.number] = _copy(incident)

    async def get(self, *, number: int) -> Incident | None:
        found = self._records.incidents.get(number)
        return _copy(found) if found is not None else None

    async def get_by_channel(self, *, channel_id: str) -> Incident | None:
        return self._first(lambda i: i.channel_id == channel_id)

    async def get_by_declare_key(self, *, key: str) -> Incident | None:
        return self._first(lambda i: i.declare_key == key)

    async def list_open(self) -> list[Incident]:
        return self._all(lambda i: i.status is Status.OPEN)

    def _all(self, matches: Callable[[Incident], bool]) -> list[Incident]:
        return [
            _copy(incident)
            for _, incident in sorted(self._records.incidents.items())
            if matches(incident)
        ]

    def _first(self, matches: Callable[[Incident], bool]) -> Incident | None:
        found = self._all(matches)
        return found[0] if found else None


class InMemoryTimeline:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def add(self, *, event: TimelineEvent) -> bool:
        # Dedupe keys are unique per incident: one change may sit on several timelines.
        if event.dedupe_key is not None and any(
            e.incident_number == event.incident_number and e.dedupe_key == event.dedupe_key
            for e in self._records.timeline
        ):
            return False
        stored = event.model_copy(update={"id": self._records.next_id("timeline")}, deep=True)
        self._records.timeline.append(stored)
        return True

    async def add_many(self, *, events: Sequence[TimelineEvent]) -> list[bool]:
        return [await self.add(event=event) for event in events]

    async def list_for(self, *, incident_number: int) -> list[TimelineEvent]:
        events = [e for e in self._records.timeline if e.incident_number == incident_number]
        return [_copy(e) for e in sorted(events, key=lambda e: (e.occurred_at, e.id or 0))]


class InMemoryProcessedEvents:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def claim(self, *, event_id: str, received_at: datetime) -> bool:
        if event_id in self._records.processed_events:
            return False
        self._records.processed_events[event_id] = received_at
        return True


class InMemoryWebhookDeliveries:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def find(self, *, delivery_id: str) -> RememberedAnswer | None:
        return self._records.webhook_deliveries.get(delivery_id)

    async def remember(
        self, *, delivery_id: str, answer: RememberedAnswer, received_at: datetime
    ) -> bool:
        if delivery_id in self._records.webhook_deliveries:
            return False
        self._records.webhook_deliveries[delivery_id] = answer
        return True


class InMemoryPhases:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def start(self, *, run: PhaseRun) -> PhaseRun:
        stored = run.model_copy(update={"id": self._records.next_id("phase_runs")}, deep=True)
        self._records.phase_runs[stored.id or 0] = stored
        return _copy(stored)

    async def current(self, *, incident_number: int) -> PhaseRun | None:
        open_runs = [r for r in await self.runs(incident_number=incident_number) if not r.ended_at]
        return open_runs[-1] if open_runs else None

    async def save(self, *, run: PhaseRun) -> None:
        if run.id not in self._records.phase_runs:
            raise LookupError(f"no phase run {run.id}")
        self._records.phase_runs[run.id] = _copy(run)

    async def runs(self, *, incident_number: int) -> list[PhaseRun]:
        runs = [
            r for r in self._records.phase_runs.values() if r.incident_number == incident_number
        ]
        return [_copy(r) for r in sorted(runs, key=lambda r: (r.started_at, r.id or 0))]

    async def open_runs(self) -> dict[int, PhaseRun]:
        runs = sorted(self._records.phase_runs.values(), key=lambda r: (r.started_at, r.id or 0))
        # Oldest first, so the newest open run of an incident wins.
        return {r.incident_number: _copy(r) for r in runs if r.ended_at is None}

    async def entries(self, *, incident_number: int, phase: str) -> dict[str, EntryState]:
        return {
            item: _copy(state)
            for (number, of_phase, item), state in self._records.entries.items()
            if number == incident_number and of_phase == phase
        }

    async def set_entry(self, *, state: EntryState) -> None:
        self._records.entries[(state.incident_number, state.phase, state.item_id)] = _copy(state)


class InMemoryReminders:
    def __init__(self, records: Records) -> None:
        self._records = records

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
        held = self._records.reminders.get(key)
        if held is None:
            self._records.reminders[key] = Reminder(
                key=key,
                kind=kind,
                incident_number=incident_number,
                claimed_by=claimant,
                claimed_until=lease_until,
            )
            return True
        # Only an unsent occurrence whose lease ran out may be claimed again.
        if held.sent_at is not None or held.claimed_until >= now:
            return False
        held.claimed_by, held.claimed_until = claimant, lease_until
        held.attempts += 1
        return True

    async def mark_sent(self, *, key: str, message_ts: str, now: datetime) -> None:
        held = self._records.reminders.get(key)
        if held is not None:
            held.sent_at, held.message_ts = now, message_ts

    async def sent_among(self, *, keys: Sequence[str]) -> set[str]:
        return {key for key in keys if self._sent(key)}

    async def sent_for(self, *, incident_number: int) -> list[tuple[str, datetime, str]]:
        return [
            (r.key, r.sent_at, r.message_ts or "")
            for r in self._records.reminders.values()
            if r.incident_number == incident_number and r.sent_at is not None
        ]

    def _sent(self, key: str) -> bool:
        held = self._records.reminders.get(key)
        return held is not None and held.sent_at is not None


class InMemoryAnalysis:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def get_detection(self, *, incident_number: int) -> Detection | None:
        found = self._records.detections.get(incident_number)
        return _copy(found) if found is not None else None

    async def save_detection(self, *, incident_number: int, detection: Detection) -> None:
        self._records.detections[incident_number] = _copy(detection)

    async def list_slices(self, *, incident_number: int) -> list[SliceImpact]:
        return [
            _copy(row)
            for _, (number, row) in sorted(self._records.slices.items())
            if number == incident_number
        ]

    async def add_slice(self, *, incident_number: int, row: SliceImpact) -> SliceImpact:
        stored = row.model_copy(update={"id": self._records.next_id("slices")}, deep=True)
        self._records.slices[stored.id or 0] = (incident_number, stored)
        return _copy(stored)

    async def save_slice(self, *, incident_number: int, row: SliceImpact) -> bool:
        if not self._owns_slice(incident_number, row.id):
            return False
        self._records.slices[row.id or 0] = (incident_number, _copy(row))
        return True

    async def remove_slice(self, *, incident_number: int, slice_id: int) -> bool:
        if not self._owns_slice(incident_number, slice_id):
            return False
        del self._records.slices[slice_id]
        return True

    def _owns_slice(self, incident_number: int, slice_id: int | None) -> bool:
        held = self._records.slices.get(slice_id or 0)
        return held is not None and held[0] == incident_number

    async def get_root_cause(self, *, incident_number: int) -> RootCause | None:
        found = self._records.root_causes.get(incident_number)
        return _copy(found) if found is not None else None

    async def save_root_cause(self, *, incident_number: int, root_cause: RootCause) -> None:
        self._records.root_causes[incident_number] = _copy(root_cause)

    async def get_resolution(self, *, incident_number: int) -> Resolution | None:
        found = self._records.resolutions.get(incident_number)
        return _copy(found) if found is not None else None

    async def save_resolution(self, *, incident_number: int, resolution: Resolution) -> None:
        self._records.resolutions[incident_number] = _copy(resolution)

    async def get_close_override(self, *, incident_number: int) -> CloseOverride | None:
        found = self._records.close_overrides.get(incident_number)
        return _copy(found) if found is not None else None

    async def save_close_override(self, *, incident_number: int, override: CloseOverride) -> None:
        self._records.close_overrides[incident_number] = _copy(override)


class InMemoryActionItems:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def add(self, *, incident_number: int, item: ActionItem) -> ActionItem:
        stored = item.model_copy(update={"id": self._records.next_id("action_items")}, deep=True)
        self._records.action_items[stored.id or 0] = (incident_number, stored)
        return _copy(stored)

    async def get(self, *, incident_number: int, item_id: int) -> ActionItem | None:
        held = self._records.action_items.get(item_id)
        if held is None or held[0] != incident_number:
            return None
        return _copy(held[1])

    async def save(self, *, incident_number: int, item: ActionItem) -> None:
        if await self.get(incident_number=incident_number, item_id=item.id or 0) is None:
            raise LookupError(f"incident #{incident_number} has no action item {item.id}")
        self._records.action_items[item.id or 0] = (incident_number, _copy(item))

    async def list_for(self, *, incident_number: int) -> list[ActionItem]:
        return [item for number, item in self._in_order() if number == incident_number]

    async def open_for_owner(self, *, owner_id: str) -> list[tuple[int, ActionItem]]:
        owned = [
            (number, item)
            for number, item in self._in_order()
            if item.owner_id == owner_id and item.status is ActionStatus.OPEN
        ]
        return sorted(owned, key=lambda pair: (pair[0], pair[1].id or 0))

    async def to_chase(
        self, *, unowned_created_before: datetime, due_before: date
    ) -> list[ItemToChase]:
        chased: list[ItemToChase] = []
        for number, item in self._in_order():
            incident = self._records.incidents[number]
            if item.status is not ActionStatus.OPEN:
                continue
            unowned = (
                item.owner_id is None
                and item.created_at <= unowned_created_before
                and incident.is_open
            )
            overdue = item.owner_id is not None and item.due is not None and item.due < due_before
            if unowned or overdue:
                chased.append(
                    ItemToChase(
                        incident_number=number,
                        incident_open=incident.is_open,
                        channel_id=incident.channel_id,
                        item=item,
                    )
                )
        return chased

    def _in_order(self) -> list[tuple[int, ActionItem]]:
        return [
            (number, _copy(item))
            for _, (number, item) in sorted(self._records.action_items.items())
        ]


class InMemoryPostmortems:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def get(self, *, incident_number: int) -> Postmortem | None:
        found = self._records.postmortems.get(incident_number)
        return _copy(found) if found is not None else None

    async def save(self, *, incident_number: int, postmortem: Postmortem) -> None:
        self._records.postmortems[incident_number] = _copy(postmortem)


class InMemoryChanges:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def add(self, *, change: Change, recorded_at: datetime) -> tuple[Change, bool]:
        existing = await self.get_by_key(source=change.source, external_id=change.external_id)
        if existing is not None:
            return existing, False
        stored = change.model_copy(update={"id": self._records.next_id("changes")}, deep=True)
        self._records.changes[stored.id or 0] = stored
        return _copy(stored), True

    async def add_many(
        self, *, changes: Sequence[Change], recorded_at: datetime
    ) -> list[tuple[Change, bool]]:
        order = sorted(
            range(len(changes)), key=lambda i: (changes[i].source, changes[i].external_id)
        )
        outcome = {i: await self.add(change=changes[i], recorded_at=recorded_at) for i in order}
        return [outcome[i] for i in range(len(changes))]

    async def get(self, *, change_id: int) -> Change | None:
        found = self._records.changes.get(change_id)
        return _copy(found) if found is not None else None

    async def get_by_key(self, *, source: str, external_id: str) -> Change | None:
        for change in self._records.changes.values():
            if change.source == source and change.external_id == external_id:
                return _copy(change)
        return None

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
        found = [
            c
            for c in self._in_window(since=since, until=until, services=services, kinds=kinds)
            if source is None or c.source == source
        ]
        found.sort(key=lambda c: (c.occurred_at, c.id or 0), reverse=True)
        return [_copy(c) for c in found[: max(limit, 0)]]

    async def count_by_kind(
        self,
        *,
        since: datetime,
        until: datetime,
        services: Sequence[str | None] | None = None,
        kinds: Collection[ChangeKind] | None = None,
    ) -> dict[ChangeKind, int]:
        counts: dict[ChangeKind, int] = {}
        for change in self._in_window(since=since, until=until, services=services, kinds=kinds):
            counts[change.kind] = counts.get(change.kind, 0) + 1
        return counts

    def _in_window(
        self,
        *,
        since: datetime | None,
        until: datetime,
        services: Sequence[str | None] | None,
        kinds: Collection[ChangeKind] | None,
    ) -> list[Change]:
        wanted = None if services is None else {_service_key(s) for s in services}
        return [
            change
            for change in self._records.changes.values()
            if change.occurred_at <= until
            and (since is None or change.occurred_at >= since)
            and (kinds is None or change.kind in kinds)
            and (wanted is None or _service_key(change.service) in wanted)
        ]


class InMemoryCases:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def add(self, *, case: RegressionCase) -> tuple[RegressionCase, bool]:
        for stored in self._records.cases.values():
            if stored.key == case.key:
                return _copy(stored), False
        case_id = self._records.next_id("cases")
        stored = case.model_copy(update={"id": case_id}, deep=True)
        self._records.cases[case_id] = stored
        return _copy(stored), True

    async def get(self, *, incident_number: int, case_id: int) -> RegressionCase | None:
        case = self._records.cases.get(case_id)
        return _copy(case) if case is not None and case.incident_number == incident_number else None

    async def save(self, *, case: RegressionCase) -> None:
        assert case.id is not None
        self._records.cases[case.id] = _copy(case)

    async def remove(self, *, incident_number: int, case_id: int) -> bool:
        case = self._records.cases.get(case_id)
        if case is None or case.incident_number != incident_number:
            return False
        del self._records.cases[case_id]
        return True

    async def list_for(self, *, incident_number: int) -> list[RegressionCase]:
        return [
            _copy(case)
            for _, case in sorted(self._records.cases.items())
            if case.incident_number == incident_number
        ]

    async def by_keys(self, *, keys: Sequence[str]) -> list[RegressionCase]:
        wanted = set(keys)
        return [_copy(c) for _, c in sorted(self._records.cases.items()) if c.key in wanted]

    async def mark_exported(self, *, incident_number: int, at: datetime) -> None:
        for case in self._records.cases.values():
            if case.incident_number == incident_number and case.exported_at is None:
                case.exported_at = at

    async def mark_pushed(self, *, keys: Sequence[str], dataset: str, at: datetime) -> None:
        for case in self._records.cases.values():
            if case.key in keys:
                case.dataset, case.pushed_at = dataset, case.pushed_at or at

    async def eval_set_items_owed(self, *, closed_before: datetime) -> list[ItemToChase]:
        owed: list[ItemToChase] = []
        for _, (number, item) in sorted(self._records.action_items.items()):
            incident = self._records.incidents[number]
            closed = incident.closed_at
            if (
                item.category is ActionCategory.EVAL_SET
                and item.status is ActionStatus.OPEN
                and closed is not None
                and as_utc(closed) <= closed_before
            ):
                owed.append(
                    ItemToChase(
                        incident_number=number,
                        incident_open=incident.is_open,
                        channel_id=incident.channel_id,
                        item=_copy(item),
                    )
                )
        return owed


class InMemoryEvalRuns:
    def __init__(self, records: Records) -> None:
        self._records = records

    async def add(self, *, run: EvalRun) -> EvalRun:
        run_id = self._records.next_id("eval_runs")
        stored = run.model_copy(update={"id": run_id}, deep=True)
        self._records.eval_runs[run_id] = stored
        return _copy(stored)

    async def last_verdicts(self, *, keys: Sequence[str]) -> dict[str, LastVerdict]:
        found: dict[str, LastVerdict] = {}
        runs = sorted(self._records.eval_runs.values(), key=lambda r: (r.reported_at, r.id or 0))
        for run in runs:
            for verdict in run.verdicts:
                if verdict.case_key in keys:
                    found[verdict.case_key] = LastVerdict(
                        run_id=run.id or 0,
                        suite=run.suite,
                        commit=run.commit,
                        url=run.url,
                        reported_at=run.reported_at,
                        passed=verdict.passed,
                    )
        return found


class InMemoryOutbox:
    def __init__(self, records: Records) -> None:
        self._records = records
        self.added: set[int] = set()

    async def add(self, *, incident_number: int, event: Event, now: datetime) -> None:
        self._records.outbox[self._records.next_id("outbox")] = StoredEvent(
            incident_number=incident_number,
            kind=event.kind,
            payload=encode_event(event),
            created_at=now,
        )
        self.added.add(incident_number)

    async def due_incidents(self, *, now: datetime, limit: int) -> list[int]:
        found: list[int] = []
        for stored in self._records.outbox.values():
            number = stored.incident_number
            lease = self._records.projections.get(number)
            if (
                stored.done_at is None
                and (stored.not_before is None or stored.not_before <= now)
                and (lease is None or lease.claimed_until <= now)
                and number not in found
            ):
                found.append(number)
        return found[:limit]

    async def claim(
        self, *, incident_number: int, claimant: str, now: datetime, lease_until: datetime
    ) -> bool:
        lease = self._records.projections.get(incident_number)
        if lease is not None and lease.claimed_until >= now and lease.claimed_by != claimant:
            return False
        if lease is None:
            self._records.projections[incident_number] = Projection(claimant, lease_until)
        else:
            lease.claimed_by, lease.claimed_until = claimant, lease_until
        return True

    async def release(self, *, incident_number: int, claimant: str) -> None:
        lease = self._records.projections.get(incident_number)
        if lease is not None and lease.claimed_by == claimant:
            lease.claimed_by, lease.claimed_until = None, datetime.min.replace(tzinfo=UTC)

    async def pending(self, *, incident_number: int) -> list[OutboxEntry]:
        return [
            OutboxEntry(
                id=entry_id,
                incident_number=stored.incident_number,
                event=decode_event(stored.kind, dict(stored.payload)),
                created_at=stored.created_at,
                steps=copy.deepcopy(stored.steps),
                attempts=stored.attempts,
                not_before=stored.not_before,
                last_error=stored.last_error,
            )
            for entry_id, stored in sorted(self._records.outbox.items())
            if stored.incident_number == incident_number and stored.done_at is None
        ]

    async def save(self, *, entry: OutboxEntry) -> None:
        stored = self._records.outbox[entry.id]
        stored.steps = copy.deepcopy(entry.steps)
        stored.attempts = entry.attempts
        stored.not_before = entry.not_before
        stored.last_error = entry.last_error

    async def finish(self, *, entry_id: int, now: datetime) -> None:
        self._records.outbox[entry_id].done_at = now

    async def last_card(self, *, incident_number: int) -> str | None:
        lease = self._records.projections.get(incident_number)
        return lease.last_card if lease is not None else None

    async def save_last_card(self, *, incident_number: int, digest: str) -> None:
        lease = self._records.projections.get(incident_number)
        if lease is not None:
            lease.last_card = digest

    async def failing(
        self, *, min_attempts: int, incident_number: int | None = None
    ) -> list[FailingEffect]:
        return [
            FailingEffect(
                incident_number=stored.incident_number,
                kind=stored.kind,
                attempts=stored.attempts,
                last_error=stored.last_error or "",
                since=stored.created_at,
            )
            for _, stored in sorted(self._records.outbox.items())
            if stored.done_at is None
            and stored.attempts >= min_attempts
            and stored.last_error is not None
            and incident_number in (None, stored.incident_number)
        ]

    async def oldest_pending(self) -> datetime | None:
        waiting = [s.created_at for s in self._records.outbox.values() if s.done_at is None]
        return min(waiting, default=None)

    async def prune(self, *, done_before: datetime) -> int:
        gone = [
            entry_id
            for entry_id, stored in self._records.outbox.items()
            if stored.done_at is not None and stored.done_at < done_before
        ]
        for entry_id in gone:
            del self._records.outbox[entry_id]
        return len(gone)


class InMemoryUnitOfWork:
    """One transaction on an InMemoryStorage (single use, like the SQL one)."""

    _outbox: InMemoryOutbox

    # Typed as the ports (protocol attributes are invariant), so this satisfies UnitOfWork.
    incidents: IncidentRepository
    timeline: TimelineRepository
    processed_events: ProcessedEventRepository
    analysis: AnalysisRepository
    action_items: ActionItemRepository
    postmortems: PostmortemRepository
    phases: PhaseRepository
    reminders: ReminderRepository
    changes: ChangeRepository
    webhook_deliveries: WebhookDeliveryRepository
    outbox: OutboxRepository
    cases: CaseRepository
    eval_runs: EvalRunRepository

    def __init__(self, storage: InMemoryStorage) -> None:
        self._storage = storage
        self._working: Records | None = None
        self._used = False

    async def __aenter__(self) -> Self:
        if self._used:
            raise RuntimeError("a unit of work is single use; ask the factory for a new one")
        self._used = True
        working = self._working = copy.deepcopy(self._storage.committed)
        self.incidents = InMemoryIncidents(working)
        self.timeline = InMemoryTimeline(working)
        self.processed_events = InMemoryProcessedEvents(working)
        self.phases = InMemoryPhases(working)
        self.reminders = InMemoryReminders(working)
        self.analysis = InMemoryAnalysis(working)
        self.action_items = InMemoryActionItems(working)
        self.postmortems = InMemoryPostmortems(working)
        self.changes = InMemoryChanges(working)
        self.webhook_deliveries = InMemoryWebhookDeliveries(working)
        self.outbox = self._outbox = InMemoryOutbox(working)
        self.cases = InMemoryCases(working)
        self.eval_runs = InMemoryEvalRuns(working)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        working, self._working = self._working, None
        if working is not None and exc_type is None:
            self._storage.committed = working
            self._storage.commits += 1
            if self._outbox.added and self._storage.on_events is not None:
                # Awaited, not scheduled: a core test sees the events performed when the use
                # case returns, with no background task to wait for.
                await self._storage.on_events(set(self._outbox.added))


class InMemoryStorage:
    """The unit-of-work factory the services take, holding what was committed."""

    def __init__(self) -> None:
        self.committed = Records()
        self.commits = 0
        self.on_events: Callable[[set[int]], Awaitable[None]] | None = None

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self)

    def incident(self, number: int) -> Incident:
        """The committed incident (a test's shortcut; use cases go through a unit of work)."""
        return _copy(self.committed.incidents[number])

    def timeline(self, number: int) -> list[TimelineEvent]:
        events = [e for e in self.committed.timeline if e.incident_number == number]
        return sorted(events, key=lambda e: (e.occurred_at, e.id or 0))
