"""A pin reaction in an incident channel puts the message on the timeline at the time it was
posted, once: a second pin of the same message or a redelivered Slack event adds nothing."""

from __future__ import annotations

from bot.core.incidents.chat_message import SlackMessage
from bot.core.timeline import TimelineKind
from tests.core.assembly import ALICE, BOB, Core

POSTED = "1762074000.000200"  # 2025-11-02 09:00 UTC


async def pinnable(core: Core) -> str:
    channel = Core.channel_of(await core.declare())
    core.slack.messages[(channel, POSTED)] = SlackMessage(
        channel_id=channel, ts=POSTED, author_id=BOB, text="Judge v7 went live at 08:55"
    )
    return channel


async def test_a_pinned_message_lands_on_the_timeline_when_it_was_posted() -> None:
    core = Core()
    channel = await pinnable(core)
    added = await core.incidents.pin_from_reaction(
        channel_id=channel, ts=POSTED, reactor=ALICE, event_id="Ev1"
    )
    assert added
    pinned = core.storage.timeline(1)
    [message] = [e for e in pinned if e.kind is TimelineKind.SLACK_MESSAGE]
    assert message.summary == "Judge v7 went live at 08:55"
    assert message.actor == BOB and message.details["added_by"] == ALICE
    assert message.occurred_at.timestamp() == float(POSTED)
    assert message.permalink is not None  # asked of Slack, since the message had none


async def test_a_redelivered_event_and_a_second_pin_add_nothing() -> None:
    core = Core()
    channel = await pinnable(core)
    assert await core.incidents.pin_from_reaction(
        channel_id=channel, ts=POSTED, reactor=ALICE, event_id="Ev1"
    )
    assert not await core.incidents.pin_from_reaction(
        channel_id=channel, ts=POSTED, reactor=ALICE, event_id="Ev1"
    )
    assert not await core.incidents.pin_from_reaction(
        channel_id=channel, ts=POSTED, reactor=BOB, event_id="Ev2"
    )
    kinds = [e.kind for e in core.storage.timeline(1)]
    assert kinds.count(TimelineKind.SLACK_MESSAGE) == 1
    assert set(core.storage.committed.processed_events) == {"Ev1", "Ev2"}


async def test_reactions_outside_incident_channels_or_on_gone_messages_are_ignored() -> None:
    core = Core()
    channel = await pinnable(core)
    assert not await core.incidents.pin_from_reaction(
        channel_id="C0GENERAL", ts=POSTED, reactor=ALICE, event_id="Ev1"
    )
    assert not await core.incidents.pin_from_reaction(
        channel_id=channel, ts="1762074999.000100", reactor=ALICE, event_id="Ev2"
    )
    kinds = [e.kind for e in core.storage.timeline(1)]
    assert TimelineKind.SLACK_MESSAGE not in kinds
