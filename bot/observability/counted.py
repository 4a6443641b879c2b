"""The core's services and ports, counted: the core itself knows nothing of metrics.

Each wraps what the runtime hands the core, so a count is taken exactly where the result comes
back — a reminder once Slack has it, a recording once it is committed.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.changes.model import Change
from bot.core.changes.service import ChangeService, Recorded
from bot.core.clock import Clock
from bot.core.reminders.rules import DueReminder
from bot.core.reminders.service import ReminderNotifier
from bot.core.unit_of_work import UnitOfWorkFactory
from bot.observability.metrics import Metrics


class CountedReminders:
    """The reminder service's notifier, counting each reminder posted by its rule."""

    def __init__(self, inner: ReminderNotifier, *, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def send_reminder(self, *, reminder: DueReminder) -> str:
        ts = await self._inner.send_reminder(reminder=reminder)
        self._metrics.reminder_sent(reminder.kind.value)
        return ts


class CountedChangeService(ChangeService):
    """The change ledger's use cases, counting what each recording received, by producer: the
    REST API, the webhook adapters and the Slack modal all record through here."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, metrics: Metrics) -> None:
        super().__init__(uow=uow, clock=clock)
        self._metrics = metrics

    async def record(
        self,
        changes: Sequence[Change],
        *,
        incident_number: int | None = None,
        recorded_by: str | None = None,
    ) -> Recorded:
        recorded = await super().record(
            changes, incident_number=incident_number, recorded_by=recorded_by
        )
        self._metrics.changes_received(
            [change.source for change in recorded.changes],
            new=[change.source for change in recorded.new],
        )
        return recorded
