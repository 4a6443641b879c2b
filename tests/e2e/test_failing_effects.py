"""A Slack step that keeps failing is shown and retried, never dropped."""

from __future__ import annotations

from bot.demo.rehearsal import Rehearsal
from tests.fakes.clock import FakeClock

ALICE = "U0ALICE"
WARNING = "Slack step(s) keep failing"


async def test_a_failing_notice_is_shown_on_the_card_and_app_home_then_posted_once(
    clocked_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = clocked_rig
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Judge drift on the support bot", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    await rig.slack.submit_view(view.id, {"severity": "S2", "category": "silent_drift"}, user=ALICE)
    await rig.slack.settle()
    [incident] = await rig.runtime.deps.incidents.list_open()
    channel, card_ts = incident.channel_id, incident.card_ts
    assert channel and card_ts
    # Slack refuses every post for a while (chat.update of the card still works).
    rig.emulator.fail("chat.postMessage", status=503, times=200)
    await rig.slack.slash("update Rolling back the judge prompt", user=ALICE, channel=channel)
    await rig.slack.settle()
    for _ in range(3):
        clock.advance(minutes=5)
        await rig.runtime.projector.drain()

    card = rig.emulator.message(channel, card_ts)
    assert WARNING in str(card.blocks)
    await rig.slack.open_app_home(ALICE)
    await rig.slack.settle()
    home = str(rig.emulator.home_views[ALICE].payload["blocks"])
    assert "Slack steps being retried" in home and "posting a message to the channel" in home
    assert not any("Rolling back" in m.text for m in rig.emulator.messages(channel))

    rig.emulator.clear_faults()
    clock.advance(minutes=5)
    await rig.runtime.projector.drain()
    posted = [m for m in rig.emulator.messages(channel) if "Rolling back" in m.text]
    assert len(posted) == 1
    assert WARNING not in str(rig.emulator.message(channel, card_ts).blocks)
    await rig.slack.open_app_home(ALICE)
    await rig.slack.settle()
    assert "Slack steps being retried" not in str(rig.emulator.home_views[ALICE].payload["blocks"])
