"""The reminder tick: what is due is sent once, to the right person; a reminder whose cause is
gone (an owner set, the incident closed) is not sent again; a send that failed is retried once
its claim lapses, and two replicas never send the same occurrence."""

from __future__ import annotations

from bot.core.incidents.model import Severity, Status
from bot.core.reminders.rules import DueReminder, ReminderKind
from bot.core.reminders.service import ReminderService
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


async def test_a_failed_send_is_retried_once_its_claim_lapses() -> None:
    core = Core()
    await core.declare(severity=Severity.S3)
    core.clock.advance(minutes=16)
    core.slack.fail("send_reminder")
    assert await core.reminders.tick() == 0
    assert await core.reminders.tick() == 0  # still claimed by the failed attempt
    core.clock.advance(minutes=3)  # the two-minute lease is over
    assert await core.reminders.tick() == 1
    assert await core.reminders.tick() == 0


async def test_two_replicas_ticking_together_send_each_reminder_once() -> None:
    core = Core()
    await core.declare(severity=Severity.S3)
    other = ReminderService(
        uow=core.storage,
        notifier=core.slack,
        catalog=shipped_runbooks(),
        claimant="replica-b",
        clock=core.clock,
    )
    core.clock.advance(minutes=16)
    mine, theirs = await core.reminders.claim_due(), await other.claim_due()
    assert len(mine) == 1 and theirs == []
