"""Action items are chased: unowned ones in the channel, overdue ones in the owner's DMs."""

from __future__ import annotations

from bot.core.postmortem.analysis import ActionStatus
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId, CallbackId
from tests.fakes.clock import FakeClock

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"


async def open_incident(rig: Rehearsal) -> tuple[int, str]:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Judge drift on summaries", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    await rig.slack.submit_view(view.id, {"severity": "S3", "category": "silent_drift"}, user=ALICE)
    await rig.slack.settle()
    [incident] = await rig.runtime.deps.incidents.list_open()
    assert incident.number and incident.channel_id
    return incident.number, incident.channel_id


async def add_item(
    rig: Rehearsal, channel: str, title: str, *, owner: str | None, due: str, category: str
) -> int:
    await rig.slack.slash(f"action {title}", user=ALICE, channel=channel)
    await rig.slack.settle()
    view = rig.emulator.open_views(ALICE)[-1]
    await rig.slack.submit_view(
        view.id, {"category": category, "owner_id": owner, "due": due}, user=ALICE
    )
    await rig.slack.settle()
    items = (await rig.runtime.deps.postmortems.analysis_of(1)).action_items
    item = next(i for i in items if i.title == title)
    assert item.id is not None
    return item.id


def unowned_reminders(rig: Rehearsal, channel: str) -> list[str]:
    """Every unowned-item reminder posted (later edits, e.g. "owned by", do not hide one)."""
    return [
        m.ts
        for m in rig.emulator.messages(channel)
        if "has no owner" in " ".join([m.text, *(v.text for v in m.history)])
    ]


async def test_an_unowned_item_is_chased_in_the_channel_until_someone_takes_it(
    clocked_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = clocked_rig
    number, channel = await open_incident(rig)
    await add_item(
        rig,
        channel,
        "Add the drifted prompts as regression cases",
        owner=None,
        due="2026-11-20",
        category="eval_set",
    )
    tick = rig.runtime.deps.reminders.tick
    clock.advance(minutes=9)
    await tick()
    assert unowned_reminders(rig, channel) == []  # not before the first delay
    clock.advance(minutes=2)
    await tick()
    await tick()
    assert len(unowned_reminders(rig, channel)) == 1  # once, not twice
    card = rig.emulator.pins(channel)[0]
    assert "1 unowned" in str(card.blocks)
    clock.advance(hours=24)
    await tick()
    reminders = unowned_reminders(rig, channel)
    assert len(reminders) == 2  # the next period

    await rig.slack.click(
        ActionId.ACTION_ITEM_TAKE, user=BOB, channel=channel, message=reminders[-1]
    )
    await rig.slack.settle()
    [item] = (await rig.runtime.deps.postmortems.analysis_of(number)).action_items
    assert item.owner_id == BOB
    assert "owned by <@U0BOB>" in rig.emulator.message(channel, reminders[-1]).text
    clock.advance(hours=72)
    await tick()
    assert len(unowned_reminders(rig, channel)) == 2  # never after the owner is set

    await rig.slack.slash("actions", user=CAROL, channel=channel)
    await rig.slack.settle()
    listing = rig.emulator.open_views(CAROL)[-1]
    assert listing.payload["callback_id"] == CallbackId.ACTION_ITEMS_MODAL
    assert "Last chased: <!date^" in str(listing.payload["blocks"])
    assert rig.emulator.rejections == []


async def test_an_overdue_item_dms_its_owner_daily_with_done_and_snooze(
    clocked_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = clocked_rig
    number, channel = await open_incident(rig)
    await add_item(
        rig,
        channel,
        "Tighten the judge agreement band",
        owner=CAROL,
        due="2026-11-03",
        category="gate",
    )
    tick = rig.runtime.deps.reminders.tick

    def dms() -> list[str]:
        dm = rig.emulator.dm_channel_id(CAROL)
        if dm is None:
            return []
        return [
            m.ts
            for m in rig.emulator.messages(dm)
            if "was due" in " ".join([m.text, *(v.text for v in m.history)])
        ]

    clock.advance(hours=38)  # 2026-11-03 23:00: due today, not overdue yet
    await tick()
    assert dms() == []
    clock.advance(hours=2)  # 2026-11-04 01:00: overdue
    await tick()
    await tick()
    assert len(dms()) == 1
    dm = rig.emulator.dm_channel_id(CAROL)
    assert dm
    await rig.slack.click(ActionId.REMINDER_SNOOZE, user=CAROL, channel=dm, message=dms()[0])
    await rig.slack.settle()
    clock.advance(hours=24)  # snoozed: the next day's reminder is skipped
    await tick()
    assert len(dms()) == 1
    assert "Snoozed" in rig.emulator.message(dm, dms()[0]).text
    clock.advance(hours=24)
    await tick()
    [_, latest] = dms()

    await rig.slack.click(ActionId.ACTION_ITEM_DONE, user=CAROL, channel=dm, message=latest)
    await rig.slack.settle()
    done = rig.emulator.open_views(CAROL)[-1]
    assert done.payload["callback_id"] == CallbackId.ACTION_DONE_MODAL
    refused = await rig.slack.submit_view(done.id, {"artefact_url": None}, user=CAROL)
    assert "only with an artefact" in refused.json()["errors"]["done.artefact_url"]
    await rig.slack.submit_view(
        done.id, {"artefact_url": "https://git.example.com/evals/-/merge_requests/88"}, user=CAROL
    )
    await rig.slack.settle()
    [item] = (await rig.runtime.deps.postmortems.analysis_of(number)).action_items
    assert item.status is ActionStatus.DONE
    clock.advance(days=3)
    await tick()
    assert len(dms()) == 2  # nothing after it is done
