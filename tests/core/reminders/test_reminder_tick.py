"""The reminder tick: what is due is sent once, to the right person; a reminder whose cause is
gone (an owner set, the incident closed) is not sent again; a send that failed is retried once
its claim lapses without holding up the rest, and two replicas never send the same occurrence,
however slowly Slack answers."""

from __future__ import annotations

from datetime import timedelta

from bot.core.incidents.model import Severity, Status
from bot.core.reminders.rules import DueReminder, ReminderKind
from bot.core.reminders.service import ReminderNotifier, ReminderService
from tests.core.assembly import ALICE, BOB, Core, shipped_runbooks
from tests.core.postmortem import submissions


def sent(core: Core) -> list[DueReminder]:
    return [call["reminder"] for call in core.slack.called("send_reminder")]


async def test_a_late_phase_nudges_the_commander_once() -> None:
    core = Core()
    await core.declare(severity=Severity.S3)  # S3: no stakeholder-update reminder
    core.clock.advance(minutes=10)
    assert await core.reminders.tick() == 0  # triage's 15-minute timebox is not over yet
    core.clock.advance(minutes=6)
    assert await core.reminders.tick() == 1
    assert await core.reminders.tick() == 0
    [nudge] = sent(core)
    assert (nudge.kind, nudge.user_id, nudge.incident_number) == (
        ReminderKind.PHASE_TIMEBOX,
        ALICE,
        1,
    )


async def test_a_stale_update_is_chased_each_period_until_an_update_is_posted() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare(severity=Severity.S1))
    await core.phases.advance(channel_id=channel, target="mitigate", actor=ALICE, force=True)
    core.clock.advance(minutes=31)
    await core.reminders.tick()
    core.clock.advance(minutes=30)
    await core.reminders.tick()
    assert [r.kind for r in sent(core)] == [ReminderKind.STALE_UPDATE] * 2
    await core.incidents.post_update(channel_id=channel, text="Rolled back.", actor=ALICE)
    core.clock.advance(minutes=20)
    assert await core.reminders.tick() == 0


async def test_an_unowned_item_is_chased_in_its_channel_until_someone_takes_it() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare(severity=Severity.S3))
    await core.phases.advance(channel_id=channel, target="mitigate", actor=ALICE, force=True)
    added = await submissions.action(core, 1, actor=ALICE, title="Add regression cases")
    assert added is not None
    core.clock.advance(minutes=11)
    assert await core.reminders.tick() == 1
    [chase] = sent(core)
    assert chase.kind is ReminderKind.UNOWNED_ITEM and chase.channel_id == channel
    await core.action_items.take_action(number=1, item_id=added.item.id or 0, actor=BOB)
    core.clock.advance(days=1)
    await core.reminders.tick()
    assert [r.kind for r in sent(core)].count(ReminderKind.UNOWNED_ITEM) == 1


async def test_nothing_is_due_for_a_closed_incident() -> None:
    core = Core()
    await core.declare(severity=Severity.S1)
    async with core.storage() as tx:
        incident = await tx.incidents.get(number=1)
        assert incident is not None
        incident.status = Status.CLOSED
        await tx.incidents.save(incident=incident)
    core.clock.advance(hours=5)
    assert await core.reminders.due() == []
    assert await core.reminders.tick() == 0


async def test_a_failed_send_is_retried_once_its_claim_lapses_and_holds_up_nothing_else() -> None:
    core = Core()
    await core.declare(severity=Severity.S1)
    core.clock.advance(minutes=31)  # the triage timebox and the stakeholder update, both due
    core.slack.fail("send_reminder")  # the first of the two
    assert await core.reminders.tick() == 1
    assert [r.kind for r in sent(core)] == [ReminderKind.STALE_UPDATE]
    assert await core.reminders.tick() == 0  # still claimed by the failed attempt
    core.clock.advance(minutes=3)  # the two-minute lease is over
    assert await core.reminders.tick() == 1
    assert await core.reminders.tick() == 0
    assert [r.kind for r in sent(core)] == [ReminderKind.STALE_UPDATE, ReminderKind.PHASE_TIMEBOX]


def replica_b(core: Core, notifier: ReminderNotifier | None = None) -> ReminderService:
    return ReminderService(
        uow=core.storage,
        notifier=notifier or core.slack,
        catalog=shipped_runbooks(),
        claimant="replica-b",
        clock=core.clock,
    )


async def test_a_reminder_another_replica_holds_is_left_to_it_until_its_lease_lapses() -> None:
    core = Core()
    await core.declare(severity=Severity.S3)
    core.clock.advance(minutes=16)
    [due] = await core.reminders.due()
    now = core.clock.now()
    async with core.storage() as tx:  # replica B claims it, then dies before sending
        assert await tx.reminders.claim(
            key=due.key,
            kind=due.kind.value,
            incident_number=due.incident_number,
            claimant="replica-b",
            now=now,
            lease_until=now + timedelta(minutes=2),
        )
    assert await core.reminders.tick() == 0
    assert sent(core) == []
    core.clock.advance(minutes=3)
    assert await core.reminders.tick() == 1
    assert [r.key for r in sent(core)] == [due.key]


class OtherReplicaTicksMidPost:
    """Slack as replica A sees it: while A's first post is in flight, replica B runs a whole
    tick, sending what A found due but had not claimed yet."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self.other = replica_b(core)
        self.other_sent: int | None = None

    async def send_reminder(self, *, reminder: DueReminder) -> str:
        if self.other_sent is None:
            self.other_sent = await self.other.tick()
        return await self._core.slack.send_reminder(reminder=reminder)


async def test_what_another_replica_sent_after_this_one_looked_is_not_sent_again() -> None:
    core = Core()
    await core.declare("First", severity=Severity.S1)
    await core.declare("Second", severity=Severity.S1)
    core.clock.advance(minutes=31)  # two nudges each: four due
    slack = OtherReplicaTicksMidPost(core)
    core.reminders.notifier = slack
    assert await core.reminders.tick() == 1
    assert slack.other_sent == 3
    keys = [r.key for r in sent(core)]
    assert len(keys) == 4 and len(set(keys)) == 4


class SlowSlack:
    """Each post answers 5 s later on the clock both replicas read, and replica B ticks
    between two of replica A's posts."""

    def __init__(self, core: Core) -> None:
        self._core = core
        self.other = replica_b(core)

    async def send_reminder(self, *, reminder: DueReminder) -> str:
        ts = await self._core.slack.send_reminder(reminder=reminder)
        self._core.clock.advance(seconds=5)
        await self.other.tick()
        return ts


async def test_thirty_reminders_at_5s_a_post_outlast_no_lease_and_each_is_sent_once() -> None:
    core = Core()
    for n in range(30):
        await core.declare(f"Incident {n}", severity=Severity.S3)
    core.clock.advance(minutes=16)  # thirty timebox nudges due at once: 150 s of posting
    core.reminders.notifier = SlowSlack(core)
    await core.reminders.tick()
    keys = [r.key for r in sent(core)]
    assert len(set(keys)) == 30
    assert len(keys) == 30
