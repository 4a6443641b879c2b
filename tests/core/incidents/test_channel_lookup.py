"""Which incident a channel is: read once per channel, since a channel never changes incident."""

from __future__ import annotations

from tests.core.assembly import Core


async def test_a_channel_s_incident_is_read_once_then_remembered() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())

    assert await core.incidents.number_for_channel(channel) == 1
    reads = core.storage.commits
    assert await core.incidents.number_for_channel(channel) == 1
    assert core.storage.commits == reads


async def test_a_channel_of_no_incident_is_asked_again_each_time() -> None:
    # It may become one (an incident's channel is made after its declaration).
    core = Core()
    await core.declare()
    before = core.storage.commits
    assert await core.incidents.number_for_channel("C0GENERAL") is None
    assert await core.incidents.number_for_channel("C0GENERAL") is None
    assert core.storage.commits == before + 2
