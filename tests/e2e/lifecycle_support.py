"""Steps of an incident's lifecycle that several end-to-end tests drive the same way."""

from __future__ import annotations

from bot.demo.rehearsal import Rehearsal


async def close_anyway(rig: Rehearsal, number: int, *, user: str) -> None:
    """`user` closes incident `number` from its channel, past any blocking flag."""
    incident = await rig.runtime.deps.incidents.get(number)
    await rig.slack.slash("close", user=user, channel=incident.channel_id or "")
    await rig.slack.settle()
    view = rig.emulator.open_views(user)[-1]
    await rig.slack.submit_view(
        view.id, {"summary": "Rolled back.", "close_anyway": ["close_anyway"]}, user=user
    )
    await rig.slack.settle()
