"""One reminder tick: find what is due, then for each occurrence in turn claim it, send it,
mark it sent.

The database is the truth. A claim is an atomic conditional write (see the repository), so
several replicas ticking together send each occurrence once, and a sender that dies before
marking its message sent leaves a claim that expires and is taken over. The posted message's
ts is stored with the mark, so "last chased" can link to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.core.clock import Clock, SystemClock
from bot.core.errors import InvalidInput
from bot.core.postmortem.analysis import ActionItem, as_utc
from bot.core.reminders.rules import (
    Cadences,
    DueReminder,
    ReminderKind,
    eval_set_reminders,
    incident_reminders,
    item_reminders,
    overdue_anchor,
)
from bot.core.runbooks.model import RunbookCatalog
from bot.core.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class ReminderNotifier(Protocol):
    async def send_reminder(self, *, reminder: DueReminder) -> str:
        """Post the reminder (channel message or DM); return the posted message's ts."""
        ...


SNOOZED = "snoozed"  # message_ts of an occurrence settled by "Snooze 1 day", not sent


@dataclass
class ReminderService:
    uow: UnitOfWorkFactory
    notifier: ReminderNotifier
    catalog: RunbookCatalog
    claimant: str
    cadences: Cadences = field(default_factory=Cadences)
    clock: Clock = field(default_factory=SystemClock)

    async def due(self) -> list[DueReminder]:
        now = self.clock.now()
        found: list[DueReminder] = []
        async with self.uow() as tx:
            incidents = await tx.incidents.list_open()
            runs = await tx.phases.open_runs()
        for incident in incidents:
            run = runs.get(incident.number or 0)
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
        async with self.uow() as tx:
            chases = await tx.action_items.to_chase(
                unowned_created_before=now - self.cadences.unowned_first,
                due_before=now.astimezone(UTC).date(),
            )
        for chase in chases:
            found += item_reminders(chase, now=now, cadences=self.cadences)
        found += await self._eval_set_held(now)
        return found

    async def _eval_set_held(self, now: datetime) -> list[DueReminder]:
        """Eval-set items of incidents closed a while ago whose cases never left the bot."""
        found: list[DueReminder] = []
        async with self.uow() as tx:
            owed = await tx.cases.eval_set_items_owed(
                closed_before=now - self.cadences.eval_set_after_close
            )
            for chase in owed:
                incident = await tx.incidents.get(number=chase.incident_number)
                if incident is None or incident.closed_at is None:
                    continue
                found += eval_set_reminders(
                    chase,
                    closed_at=as_utc(incident.closed_at),
                    cases=await tx.cases.list_for(incident_number=chase.incident_number),
                    now=now,
                    cadences=self.cadences,
                )
        return found

    async def tick(self) -> int:
        """Send every due reminder that no replica has sent or holds; return how many this
        replica sent.

        Each occurrence is claimed just before its own send, under its own lease, and marked
        sent right after it: a lease only has to outlive one Slack post, however many are due
        at once. Claiming the whole batch up front would let a slow Slack run the last leases
        out while they wait their turn, and another replica would send them again.
        """
        due = await self.due()
        if not due:
            return 0
        async with self.uow() as tx:
            settled = await tx.reminders.sent_among(keys=[r.key for r in due])
        sent = 0
        for reminder in due:
            if reminder.key in settled:
                continue
            try:
                if await self._send_once(reminder):
                    sent += 1
            except Exception:
                # The claim lapses and a later tick retries; one failure never stops the rest.
                log.exception("reminder %s failed; it will be retried", reminder.key)
        return sent

    async def _send_once(self, reminder: DueReminder) -> bool:
        """Claim, send, mark sent. False when another replica sent the occurrence since `due()`
        was computed, or holds it now: the claim is conditional on both, in one statement."""
        now = self.clock.now()
        async with self.uow() as tx:
            claimed = await tx.reminders.claim(
                key=reminder.key,
                kind=reminder.kind.value,
                incident_number=reminder.incident_number,
                claimant=self.claimant,
                now=now,
                lease_until=now + self.cadences.claim_lease,
            )
        if not claimed:
            return False
        ts = await self.notifier.send_reminder(reminder=reminder)
        async with self.uow() as tx:
            await tx.reminders.mark_sent(key=reminder.key, message_ts=ts, now=self.clock.now())
        return True

    async def snooze_overdue(self, *, incident_number: int, item: ActionItem) -> datetime:
        """ "Snooze 1 day": the current and the next overdue period are settled without a
        message, so the owner hears nothing for at least a day. Returns when it may resume."""
        if item.id is None or item.due is None:
            raise InvalidInput("item", "only an item with a due date can be snoozed")
        now = self.clock.now()
        anchor = overdue_anchor(item.due)
        every = self.cadences.overdue_every
        current = max(int((now - anchor) / every), 0)
        async with self.uow() as tx:
            for period in (current, current + 1):
                key = f"{ReminderKind.OVERDUE_ITEM}:{item.id}:{period}"
                if await tx.reminders.claim(
                    key=key,
                    kind=ReminderKind.OVERDUE_ITEM.value,
                    incident_number=incident_number,
                    claimant=self.claimant,
                    now=now,
                    lease_until=now,
                ):
                    await tx.reminders.mark_sent(key=key, message_ts=SNOOZED, now=now)
        return anchor + every * (current + 2)

    async def last_chased(self, incident_number: int) -> dict[int, datetime]:
        """When each action item of an incident was last reminded about, by item id."""
        async with self.uow() as tx:
            sent = await tx.reminders.sent_for(incident_number=incident_number)
        chased: dict[int, datetime] = {}
        for key, at, message_ts in sent:
            kind, _, rest = key.partition(":")
            if kind not in (ReminderKind.UNOWNED_ITEM, ReminderKind.OVERDUE_ITEM):
                continue
            if message_ts == SNOOZED:
                continue
            item_id = int(rest.split(":", 1)[0])
            if item_id not in chased or chased[item_id] < at:
                chased[item_id] = at
        return chased
