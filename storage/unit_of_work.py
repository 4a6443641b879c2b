"""One use case, one transaction: the UnitOfWork port on an SQL session."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.cases.ports import CaseRepository, EvalRunRepository
from bot.core.changes.ports import ChangeRepository
from bot.core.incidents.ports import IncidentRepository
from bot.core.outbox import OutboxRepository
from bot.core.postmortem.ports import (
    ActionItemRepository,
    AnalysisRepository,
    PostmortemRepository,
)
from bot.core.reminders.ports import ReminderRepository
from bot.core.runbooks.ports import PhaseRepository
from bot.core.unit_of_work import ProcessedEventRepository, TimelineRepository
from bot.core.webhook_deliveries import WebhookDeliveryRepository
from storage.engine import read_only_session_factory
from storage.repositories import (
    SqlIncidentRepository,
    SqlProcessedEventRepository,
    SqlTimelineRepository,
)
from storage.repositories.cases import SqlCaseRepository, SqlEvalRunRepository
from storage.repositories.changes import SqlChangeRepository
from storage.repositories.outbox import SqlOutboxRepository
from storage.repositories.postmortem import (
    SqlActionItemRepository,
    SqlAnalysisRepository,
    SqlPostmortemRepository,
)
from storage.repositories.reminders import SqlReminderRepository
from storage.repositories.runbooks import SqlPhaseRepository
from storage.repositories.webhook_deliveries import SqlWebhookDeliveryRepository


class SqlUnitOfWork:
    """Commits on a clean exit, rolls back on an exception, closes the session either way.

    Single use: each `async with` needs a new one (see SqlUnitOfWorkFactory), so no state from
    one use case can leak into the next.
    """

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
    _outbox: SqlOutboxRepository

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        on_events: Callable[[set[int]], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._on_events = on_events
        self._session: AsyncSession | None = None
        self._used = False

    async def __aenter__(self) -> Self:
        if self._used:
            raise RuntimeError("a unit of work is single use; ask the factory for a new one")
        self._used = True
        self._session = self._session_factory()
        self.incidents = SqlIncidentRepository(self._session)
        self.timeline = SqlTimelineRepository(self._session)
        self.changes = SqlChangeRepository(self._session)
        self.processed_events = SqlProcessedEventRepository(self._session)
        self.analysis = SqlAnalysisRepository(self._session)
        self.action_items = SqlActionItemRepository(self._session)
        self.postmortems = SqlPostmortemRepository(self._session)
        self.phases = SqlPhaseRepository(self._session)
        self.reminders = SqlReminderRepository(self._session)
        self.webhook_deliveries = SqlWebhookDeliveryRepository(self._session)
        self.outbox = self._outbox = SqlOutboxRepository(self._session)
        self.cases = SqlCaseRepository(self._session)
        self.eval_runs = SqlEvalRunRepository(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        if session is None:
            return
        self._session = None
        try:
            if exc_type is None:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()
        if exc_type is None and self._outbox.added and self._on_events is not None:
            self._on_events(set(self._outbox.added))


class SqlUnitOfWorkFactory:
    """Hands each use case a fresh SqlUnitOfWork on the shared session factory.

    `on_events` (set once the projector exists) hears, after each commit, which incidents got
    new outbox events; it must not block (the projector only schedules its work).
    A `read_only` unit (pure reads) does not take SQLite's write lock."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._read_only_factory = read_only_session_factory(session_factory)
        self.on_events: Callable[[set[int]], None] | None = None

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        if read_only:
            return SqlUnitOfWork(self._read_only_factory)
        return SqlUnitOfWork(self._session_factory, self.on_events)
