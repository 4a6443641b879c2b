"""One use case, one transaction: the unit of work and the kernel's repositories.

Storage implements them (storage/); each feature's own repositories are in its `ports` module.
Repository methods are keyword-only and never commit: the unit of work commits once, when the
use case is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.core.cases.ports import CaseRepository, EvalRunRepository
from bot.core.changes.ports import ChangeRepository
from bot.core.incidents.ports import IncidentRepository
from bot.core.outbox import OutboxRepository
from bot.core.postmortem.ports import ActionItemRepository, AnalysisRepository, PostmortemRepository
from bot.core.reminders.ports import ReminderRepository
from bot.core.runbooks.ports import PhaseRepository
from bot.core.timeline import TimelineEvent
from bot.core.webhook_deliveries import WebhookDeliveryRepository


class TimelineRepository(Protocol):
    async def add(self, *, event: TimelineEvent) -> bool:
        """Store the event; False (and nothing stored) when its dedupe key is already there."""
        ...

    async def add_many(self, *, events: Sequence[TimelineEvent]) -> list[bool]:
        """`add` for each event in turn, answered in order, in as few statements as the
        store allows."""
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

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    # `read_only`: the unit only reads (the storage may then start it without a write lock);
    # a unit that writes anything must not say so.
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...
