"""Notes and stakeholder updates: on the timeline at the clock's time; an update is also kept
on the incident (the card shows it) and said in the channel. Empty or oversized text is
refused and stores nothing."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput
from bot.core.incidents.service import MAX_NOTE_LENGTH
from bot.core.timeline import TimelineKind
from tests.core.assembly import ALICE, BOB, Core


async def test_a_note_lands_on_the_timeline_and_nothing_is_posted() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    core.slack.forget()
    core.clock.advance(minutes=7)
    await core.incidents.add_note(channel_id=channel, actor=BOB, text="  Rolled back prompt v41 ")
    note = core.storage.timeline(1)[-1]
    assert (note.kind, note.summary, note.actor) == (
        TimelineKind.NOTE,
        "Rolled back prompt v41",
        BOB,
    )
    assert note.occurred_at == core.clock.now()
    assert core.slack.calls == []


async def test_an_update_is_kept_on_the_incident_said_in_the_channel_and_on_the_card() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    core.slack.forget()
    core.clock.advance(minutes=30)
    await core.incidents.post_update(channel_id=channel, text="Mitigated; watching.", actor=ALICE)
    stored = core.storage.incident(1)
    assert stored.last_update_text == "Mitigated; watching."
    assert stored.last_update_at == core.clock.now()
    assert core.storage.timeline(1)[-1].kind is TimelineKind.UPDATE
    assert core.slack.methods() == ["post_notice", "update_card"]


@pytest.mark.parametrize("text", ["", "   ", "x" * (MAX_NOTE_LENGTH + 1)])
async def test_empty_or_oversized_words_are_refused_and_store_nothing(text: str) -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    lines = len(core.storage.timeline(1))
    with pytest.raises(InvalidInput):
        await core.incidents.add_note(channel_id=channel, actor=BOB, text=text)
    with pytest.raises(InvalidInput):
        await core.incidents.post_update(channel_id=channel, text=text, actor=BOB)
    assert len(core.storage.timeline(1)) == lines
    assert core.storage.incident(1).last_update_text is None
