"""One reminder tick: find what is due, claim each occurrence, send it, mark it sent.

The database is the truth. A claim is an atomic conditional write (see the repository), so
several replicas ticking together send each occurrence once, and a sender that dies before
marking its message sent leaves a claim that expires and is taken over. The posted message's
ts is stored with the mark, so "last chased" can link to it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.ports import Clock, SystemClock, UnitOfWorkFactory
from bot.core.reminders import Cadences, DueReminder, incident_reminders
from bot.core.runbook import RunbookCatalog

log = logging.getLogger(__name__)


class ReminderNotifier(Protocol):
    async def send_reminder(self, *, reminder: DueReminder) -> str:
        """Post the reminder (channel message or DM); return the posted message's ts."""
        ...


# Other features (action items) contribute their due reminders through this hook.
ReminderSource = Callable[[], Awaitable[list[DueReminder]]]


@dataclass
class ReminderService:
    uow: UnitOfWorkFactory
    notifier: ReminderNotifier
    catalog: RunbookCatalog
    claimant: str
    cadences: Cadences = field(default_factory=Cadences)
    clock: Clock = field(default_factory=SystemClock)
    sources: list[ReminderSource] = field(default_factory=list)

    async def due(self) -> list[DueReminder]:
        now = self.clock.now()
        found: list[DueReminder] = []
        async with self.uow() as tx:
            incidents = await tx.incidents.list_open()
            runs = {
                incident.number: await tx.phases.current(incident_number=incident.number or 0)
                for incident in incidents
            }
        for incident in incidents:
            run = runs.get(incident.number)
            timebox, last = None, False
            if run is not None and run.runbook in self.catalog:
                runbook = self.catalog.get(run.runbook)
                if runbook.has_phase(run.phase):
                    timebox = runbook.phase(run.phase).timebox_minutes
                    last = runbook.next_phase(run.phase) is None
            found += incident_reminders(
                incident,
                run,
                timebox_minutes=timebox,
                is_last_phase=last,
                now=now,
                cadences=self.cadences,
            )
        for source in self.sources:
            found += await source()
        return found

    async def tick(self) -> int:
        """Send every due, unclaimed reminder once; return how many this replica sent."""
        sent = 0
        for reminder in await self.due():
            try:
                if await self._deliver(reminder):
                    sent += 1
            except Exception:
                # The claim lapses and a later tick retries; one failure never stops the rest.
                log.exception("reminder %s failed; it will be retried", reminder.key)
        return sent

    async def _deliver(self, reminder: DueReminder) -> bool:
        now = self.clock.now()
        async with self.uow() as tx:
            claim = await tx.reminders.claim(
                key=reminder.key,
                kind=reminder.kind.value,
                incident_number=reminder.incident_number,
                claimant=self.claimant,
                now=now,
                lease_until=now + self.cadences.claim_lease,
            )
        if not claim:
            return False
        ts = await self.notifier.send_reminder(reminder=reminder)
        async with self.uow() as tx:
            await tx.reminders.mark_sent(key=reminder.key, message_ts=ts, now=self.clock.now())
        return True
