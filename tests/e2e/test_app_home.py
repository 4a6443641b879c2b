"""App Home lists the open incidents and the viewer's own open action items."""

from __future__ import annotations

from bot.demo.rehearsal import Rehearsal
from tests.rig import Declare

ALICE, BOB = "U0ALICE", "U0BOB"


async def test_app_home_shows_open_incidents_and_my_action_items(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare("Escalations at 100%")
    assert incident.channel_id
    await rig.slack.slash(
        "action Retrain the routing classifier", user=ALICE, channel=incident.channel_id
    )
    await rig.slack.settle()
    view = rig.emulator.open_views(ALICE)[-1]
    await rig.slack.submit_view(
        view.id, {"category": "code", "owner_id": BOB, "due": "2099-01-31"}, user=ALICE
    )
    await rig.slack.settle()

    await rig.slack.open_app_home(BOB)
    await rig.slack.settle()
    home = str(rig.emulator.home_views[BOB].payload["blocks"])
    assert "Escalations at 100%" in home
    assert "Retrain the routing classifier" in home and "2099-01-31" in home

    await rig.slack.open_app_home(ALICE)
    await rig.slack.settle()
    assert "No open action items are waiting on you." in str(
        rig.emulator.home_views[ALICE].payload["blocks"]
    )
    assert rig.emulator.rejections == []
