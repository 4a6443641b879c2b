"""The outbox: events wait here, stored in the transaction that caused them, until performed.

A use case adds the events its state change implies (`emit`) inside its unit of work, so the
change and its announcement commit or vanish together. The Slack projector (bot/slack/projector.py)
takes them per incident, in order, under a lease any replica can take over once it lapses, and
stores the result of each Slack step (a channel id, a message ts, a file id) before the next, so
a retry never repeats a step that completed. This module is the projector's bookkeeping; it
knows nothing of Slack.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.clock import Clock, SystemClock
from bot.core.events import Event

if TYPE_CHECKING:
    from bot.core.unit_of_work import UnitOfWork, UnitOfWorkFactory

# After this many attempts an event counts as failing: shown on the card and App Home, counted.
FAILING_AFTER_ATTEMPTS = 3
# Performed events are kept this long (to see what was done, and when), then forgotten.
KEEP_DONE = timedelta(days=7)
# Retries back off exponentially up to this: a Slack outage is retried every few minutes, forever.
MAX_BACKOFF = timedelta(minutes=5)


@dataclass
class OutboxEntry:
    """One stored event and how far its performance got."""

    id: int
    incident_number: int
    event: Event
    created_at: datetime
    steps: dict[str, Any] = field(default_factory=dict)  # step name -> stored result
    attempts: int = 0
    not_before: datetime | None = None
    last_error: str | None = None

    @property
    def is_retry(self) -> bool:
        """Performed before (and interrupted, or failed): a step without a stored result may
        have reached Slack, so it is looked for before it is done again."""
        return self.attempts > 1

    @property
    def is_failing(self) -> bool:
        return self.attempts >= FAILING_AFTER_ATTEMPTS and self.last_error is not None


@dataclass(frozen=True)
class FailingEffect:
    """An event the projector keeps failing to perform (it is still being retried)."""

    incident_number: int
    kind: str
    attempts: int
    last_error: str
    since: datetime


class OutboxRepository(Protocol):
    async def add(self, *, incident_number: int, event: Event, now: datetime) -> None: ...

    async def due_incidents(self, *, now: datetime, limit: int) -> list[int]:
        """Incidents with an event to perform now and no live lease, oldest event first."""
        ...

    async def claim(
        self, *, incident_number: int, claimant: str, now: datetime, lease_until: datetime
    ) -> bool:
        """Take (or extend) the incident's lease: one atomic conditional write, so of two
        replicas exactly one holds it; a lease whose holder died is taken once it lapses."""
        ...

    async def release(self, *, incident_number: int, claimant: str) -> None: ...

    async def pending(self, *, incident_number: int) -> list[OutboxEntry]:
        """Events not yet performed, in the order they were recorded."""
        ...

    async def save(self, *, entry: OutboxEntry) -> None:
        """Store steps, attempts, not_before and last_error of the entry."""
        ...

    async def finish(self, *, entry_id: int, now: datetime) -> None: ...

    async def last_card(self, *, incident_number: int) -> str | None:
        """A digest of the card blocks last sent to Slack (None before the first)."""
        ...

    async def save_last_card(self, *, incident_number: int, digest: str) -> None: ...

    async def failing(
        self, *, min_attempts: int, incident_number: int | None = None
    ) -> list[FailingEffect]: ...

    async def oldest_pending(self) -> datetime | None: ...

    async def prune(self, *, done_before: datetime) -> int:
        """Forget events performed before `done_before`; returns how many."""
        ...


async def emit(tx: UnitOfWork, incident_number: int, *events: Event, now: datetime) -> None:
    """Add events to the outbox inside the caller's transaction."""
    for event in events:
        await tx.outbox.add(incident_number=incident_number, event=event, now=now)


Apply = Callable[["UnitOfWork"], Awaitable[None]]


@dataclass
class Outbox:
    """The projector's bookkeeping, each operation its own short transaction."""

    uow: UnitOfWorkFactory
    claimant: str
    clock: Clock = field(default_factory=SystemClock)
    lease: timedelta = timedelta(seconds=60)

    async def due_incidents(self, limit: int = 50) -> list[int]:
        async with self.uow() as tx:
            return await tx.outbox.due_incidents(now=self.clock.now(), limit=limit)

    async def claim(self, incident_number: int) -> bool:
        """Take or renew the lease; False when another replica holds it."""
        now = self.clock.now()
        async with self.uow() as tx:
            return await tx.outbox.claim(
                incident_number=incident_number,
                claimant=self.claimant,
                now=now,
                lease_until=now + self.lease,
            )

    async def release(self, incident_number: int) -> None:
        async with self.uow() as tx:
            await tx.outbox.release(incident_number=incident_number, claimant=self.claimant)

    async def pending(self, incident_number: int) -> list[OutboxEntry]:
        async with self.uow() as tx:
            return await tx.outbox.pending(incident_number=incident_number)

    async def begin(self, entry: OutboxEntry) -> bool:
        """Count an attempt and renew the lease before performing; False when the lease was
        lost (another replica took the incident over): stop without touching Slack."""
        now = self.clock.now()
        entry.attempts += 1
        async with self.uow() as tx:
            held = await tx.outbox.claim(
                incident_number=entry.incident_number,
                claimant=self.claimant,
                now=now,
                lease_until=now + self.lease,
            )
            if held:
                await tx.outbox.save(entry=entry)
        return held

    async def save_step(
        self, entry: OutboxEntry, name: str, result: Any, apply: Apply | None = None
    ) -> None:
        """Store a step's result, with what it means for the domain (e.g. the incident's channel
        id), in one transaction: after a crash, the step is known done, and by what."""
        entry.steps[name] = result
        async with self.uow() as tx:
            await tx.outbox.save(entry=entry)
            if apply is not None:
                await apply(tx)

    async def finish(self, entry: OutboxEntry, apply: Apply | None = None) -> None:
        async with self.uow() as tx:
            await tx.outbox.finish(entry_id=entry.id, now=self.clock.now())
            if apply is not None:
                await apply(tx)

    async def postpone(self, entry: OutboxEntry, error: str) -> datetime:
        """Back off after a failure; returns when the event is tried again."""
        delay = min(timedelta(seconds=2 ** min(entry.attempts, 12)), MAX_BACKOFF)
        entry.not_before = self.clock.now() + delay
        entry.last_error = error
        async with self.uow() as tx:
            await tx.outbox.save(entry=entry)
        return entry.not_before

    async def last_card(self, incident_number: int) -> str | None:
        async with self.uow() as tx:
            return await tx.outbox.last_card(incident_number=incident_number)

    async def save_last_card(self, incident_number: int, digest: str) -> None:
        async with self.uow() as tx:
            await tx.outbox.save_last_card(incident_number=incident_number, digest=digest)

    async def failing(self, incident_number: int | None = None) -> list[FailingEffect]:
        async with self.uow() as tx:
            return await tx.outbox.failing(
                min_attempts=FAILING_AFTER_ATTEMPTS, incident_number=incident_number
            )

    async def prune(self) -> int:
        async with self.uow() as tx:
            return await tx.outbox.prune(done_before=self.clock.now() - KEEP_DONE)

    async def lag(self) -> timedelta:
        """How long the oldest event has waited (zero when none waits)."""
        async with self.uow() as tx:
            oldest = await tx.outbox.oldest_pending()
        return timedelta(0) if oldest is None else max(self.clock.now() - oldest, timedelta(0))
