"""Use cases of the change ledger: record changes, put them on timelines, answer "what changed?".

Changes arrive from producers (the REST API, the Alertmanager and Langfuse adapters) and from
people (the Slack modal). Each use case is one transaction; Slack hears of it after commit, so a
message in a channel always stands for something stored. A Slack failure after commit is logged
and swallowed: the change is in the ledger and on the timeline, and a producer retrying because
of a Slack outage would only be told "already there".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.changes.digest import DEFAULT_DAYS, Digest
from bot.core.changes.events import ChangeAdded, ChangesLanded
from bot.core.changes.ledger_digest import read_digest
from bot.core.changes.model import (
    Change,
    ChangeKind,
    change_timeline_event,
    concerns_service,
)
from bot.core.clock import Clock, SystemClock
from bot.core.errors import DomainError, IncidentClosed, IncidentNotFound
from bot.core.incidents.model import Incident
from bot.core.outbox import emit
from bot.core.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

_CHANGE_KEY_PREFIX = "change:"


class ChangeNotFound(DomainError):
    def __init__(self, change_id: int) -> None:
        super().__init__(f"Change {change_id} is not in the change ledger.")
        self.change_id = change_id


@dataclass(frozen=True)
class Recorded:
    """What a recording did. `changes` answers the producer (the ledger's version of each change
    sent, in order — on a retry the very same), `new` is what this call stored."""

    changes: list[Change]
    new: list[Change]
    incidents: list[int]  # incidents whose timeline got at least one of the new changes


@dataclass(frozen=True)
class DigestView:
    """A digest and what it is about: an incident, or (None) the whole ledger up to now."""

    digest: Digest
    incident: Incident | None
    on_timeline: frozenset[str] = frozenset()  # dedupe keys of changes on the incident timeline


@dataclass(frozen=True)
class AddedToTimeline:
    incident: Incident
    change: Change
    added: bool  # False: it was on the timeline already


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    truncated: bool  # more changes matched than were returned


def follows(incident: Incident, change: Change) -> bool:
    """Whether an open incident follows a new ledger change live.

    A change filed under the incident's AI feature does, and so does one filed under none (a
    provider-wide model update concerns every feature). An incident without an AI feature
    follows only the latter: every team's prompt edits in its channel would drown it.
    """
    if change.service is None:
        return True
    return incident.ai_feature is not None and concerns_service(change, incident.ai_feature)


def digest_anchor(incident: Incident) -> datetime:
    """Where an incident's digest window ends: the regression start, or when it was declared
    when nobody knows the start (changes after that reach the channel live)."""
    return incident.regression_started_at or incident.declared_at


@dataclass
class ChangeService:
    uow: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)

    # -- recording -------------------------------------------------------------------------

    async def record(
        self,
        changes: Sequence[Change],
        *,
        incident_number: int | None = None,
        recorded_by: str | None = None,
    ) -> Recorded:
        """Store the changes in one transaction (all of them or, on any error, none).

        New changes also land on the timeline of every open incident that follows them (see
        `follows`) and, when `incident_number` is given (a change recorded from its channel), on
        that incident's timeline whatever its feature. Repeats of changes already in the
        ledger store nothing and reach no channel.
        """
        now = self.clock.now()
        placed: list[tuple[Incident, list[Change]]] = []
        async with self.uow() as tx:
            # One bulk insert for the batch (in key order: two overlapping batches then take
            # their row locks in the same order and cannot deadlock, on PostgreSQL), answered
            # in the order sent.
            outcome = await tx.changes.add_many(changes=changes, recorded_at=now)
            stored = [change for change, _ in outcome]
            new = [change for change, is_new in outcome if is_new]
            if new:
                incidents = await tx.incidents.list_open()
                # Every timeline event of the batch, for every incident, in one bulk insert.
                candidates: list[tuple[Incident, Change]] = []
                events = []
                for incident in incidents:
                    number = incident.number or 0
                    for change in new:
                        if number != incident_number and not follows(incident, change):
                            continue
                        candidates.append((incident, change))
                        events.append(
                            change_timeline_event(change, incident_number=number, recorded_at=now)
                        )
                added = await tx.timeline.add_many(events=events) if events else []
                landed_on: dict[int, list[Change]] = {}
                for (incident, change), was_added in zip(candidates, added, strict=True):
                    if was_added:
                        landed_on.setdefault(incident.number or 0, []).append(change)
                for incident in incidents:
                    number = incident.number or 0
                    landed = landed_on.get(number)
                    if landed:
                        placed.append((incident, landed))
                        await emit(
                            tx,
                            number,
                            ChangesLanded(
                                number=number,
                                change_ids=tuple(c.id or 0 for c in landed),
                                recorded_by=recorded_by if number == incident_number else None,
                            ),
                            now=now,
                        )
        return Recorded(
            changes=stored, new=new, incidents=[incident.number or 0 for incident, _ in placed]
        )

    async def add_to_timeline(
        self, *, incident_number: int, change_id: int, actor: str
    ) -> AddedToTimeline:
        """Put a ledger change on an incident's timeline (the digest's "Add to timeline").
        Idempotent: a second click adds nothing and says so."""
        now = self.clock.now()
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=incident_number)
            if incident is None:
                raise IncidentNotFound(incident_number)
            if not incident.is_open:
                raise IncidentClosed(incident_number)
            change = await tx.changes.get(change_id=change_id)
            if change is None:
                raise ChangeNotFound(change_id)
            added = await tx.timeline.add(
                event=change_timeline_event(
                    change, incident_number=incident_number, recorded_at=now, actor=actor
                )
            )
            if added:
                await emit(
                    tx,
                    incident_number,
                    ChangeAdded(number=incident_number, change_id=change_id, added_by=actor),
                    now=now,
                )
        return AddedToTimeline(incident=incident, change=change, added=added)

    # -- reading ---------------------------------------------------------------------------

    async def incident_in(self, channel_id: str) -> Incident | None:
        """The incident whose channel this is, if any (one indexed read)."""
        async with self.uow() as tx:
            return await tx.incidents.get_by_channel(channel_id=channel_id)

    async def list_changes(
        self,
        *,
        since: datetime,
        until: datetime,
        service: str | None = None,
        kinds: Sequence[ChangeKind] | None = None,
        limit: int = 200,
    ) -> ChangePage:
        """The ledger, newest first; `service` matches the feature a change is filed under."""
        async with self.uow() as tx:
            found = await tx.changes.newest(
                since=since,
                until=until,
                services=None if service is None else [service],
                kinds=kinds,
                limit=limit + 1,
            )
        return ChangePage(changes=found[:limit], truncated=len(found) > limit)

    async def digest(self, *, incident: Incident | None, days: int = DEFAULT_DAYS) -> DigestView:
        """The incident's digest (its feature, the days before its regression start), or the
        whole ledger's up to now when there is no incident."""
        now = self.clock.now()
        async with self.uow() as tx:
            digest = await read_digest(
                tx.changes,
                regression_start=digest_anchor(incident) if incident else None,
                now=now,
                service=incident.ai_feature if incident else None,
                days=days,
            )
            on_timeline: frozenset[str] = frozenset()
            if incident is not None and incident.number is not None:
                on_timeline = frozenset(
                    event.dedupe_key
                    for event in await tx.timeline.list_for(incident_number=incident.number)
                    if event.dedupe_key and event.dedupe_key.startswith(_CHANGE_KEY_PREFIX)
                )
        return DigestView(digest=digest, incident=incident, on_timeline=on_timeline)

    async def digest_for_channel(self, *, channel_id: str, days: int) -> DigestView:
        """`/ai-incident changes [days]`: the incident's digest in its channel, elsewhere the
        ledger's."""
        return await self.digest(incident=await self.incident_in(channel_id), days=days)

    async def get_many(self, change_ids: Sequence[int]) -> list[Change]:
        """The ledger's changes with these ids, in the order given (unknown ids left out)."""
        async with self.uow() as tx:
            found = [await tx.changes.get(change_id=change_id) for change_id in change_ids]
        return [change for change in found if change is not None]
