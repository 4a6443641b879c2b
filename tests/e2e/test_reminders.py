"""Reminders through the real app and the sandbox, on a clock the test moves."""

from __future__ import annotations

from pathlib import Path

from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from tests.fakes.clock import FakeClock
from tests.rig import OpenRig

ALICE, BOB = "U0ALICE", "U0BOB"


async def declare_s1(rig: Rehearsal, title: str = "Refusals spiked") -> int:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash(f"open {title}", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    await rig.slack.submit_view(view.id, {"severity": "S1", "category": "silent_drift"}, user=ALICE)
    await rig.slack.settle()
    incidents = await rig.runtime.deps.incidents.list_open()
    return max(i.number or 0 for i in incidents)


def dms_to(rig: Rehearsal, user: str) -> list[str]:
    dm = rig.emulator.dm_channel_id(user)
    return [m.text for m in rig.emulator.messages(dm)] if dm else []


async def test_stale_update_and_timebox_nudge_the_commander_once_per_period(
    clocked_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = clocked_rig
    await declare_s1(rig)
    ticks = rig.runtime.deps.reminders.tick
    clock.advance(minutes=14)
    assert await ticks() == 0  # nothing due yet
    clock.advance(minutes=2)  # 16 min: triage's 15-minute timebox has passed
    assert await ticks() == 1
    assert await ticks() == 0  # not twice
    assert any("timebox" in t for t in dms_to(rig, ALICE))
    clock.advance(minutes=15)  # 31 min: no stakeholder update for an S1
    assert await ticks() == 1
    assert any("no stakeholder update for 30 minutes" in t for t in dms_to(rig, ALICE))
    clock.advance(minutes=10)
    assert await ticks() == 0  # same period
    # An update stops the stale-update nudge until 30 minutes after it.
    channel = (await rig.runtime.deps.incidents.list_open())[0].channel_id
    assert channel
    await rig.slack.slash("update Rolled back the safety policy bundle", user=BOB, channel=channel)
    await rig.slack.settle()
    clock.advance(minutes=29)
    assert await ticks() == 0
    clock.advance(minutes=1)
    assert await ticks() == 1
    assert rig.emulator.rejections == []


async def test_leaving_the_phase_stops_its_timebox_nudge(
    clocked_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = clocked_rig
    number = await declare_s1(rig)
    incident = await rig.runtime.deps.incidents.get(number)
    assert incident.channel_id
    clock.advance(minutes=10)
    await rig.slack.slash("phase scope", user=ALICE, channel=incident.channel_id)
    await rig.slack.settle()
    refusal = rig.emulator.ephemerals_for(ALICE)[-1]
    await rig.slack.click(
        "phase_advance_anyway", user=ALICE, channel=incident.channel_id, message=refusal.ts
    )
    await rig.slack.settle()
    clock.advance(minutes=10)  # 20 min: triage's timebox would have passed; scope's has not
    await rig.slack.slash("update all hands on it", user=ALICE, channel=incident.channel_id)
    await rig.slack.settle()
    assert await rig.runtime.deps.reminders.tick() == 0


async def test_a_reminder_due_while_the_process_was_down_is_sent_once_after_start(
    tmp_path: Path, clock: FakeClock, open_rig: OpenRig
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"
    emulator = SlackEmulator()
    async with open_rig(database_url=url, emulator=emulator, clock=clock) as rig:
        await declare_s1(rig)
    clock.advance(hours=2)  # the bot is down; reminders fall due
    for _ in range(2):  # two restarts, each ticking at start
        async with open_rig(database_url=url, emulator=emulator, clock=clock) as rig:
            await rig.runtime.deps.reminders.tick()
            await rig.runtime.deps.reminders.tick()
    dm = emulator.dm_channel_id(ALICE)
    assert dm
    texts = [m.text for m in emulator.messages(dm)]
    assert sum("timebox" in t for t in texts) == 1
    assert sum("no stakeholder update" in t for t in texts) == 1
