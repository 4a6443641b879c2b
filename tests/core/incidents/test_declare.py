"""Declaring: the incident is stored and its Slack side (channel, invite, card, announcement,
first checklist, opening digest) is brought up; the same key declares once; a Slack outage
part-way is finished later without a second channel."""

from __future__ import annotations

from bot.core.incidents.model import Category, DeclareInput, Severity
from bot.core.timeline import TimelineKind
from tests.core.assembly import ALICE, Core


async def test_declaring_opens_a_channel_with_card_checklist_and_digest() -> None:
    core = Core()
    incident = await core.declare()
    assert incident.number == 1
    stored = core.storage.incident(1)
    assert stored.commander_id == ALICE
    assert stored.channel_id == incident.channel_id and stored.card_ts is not None
    assert stored.phase == "triage"
    assert core.slack.methods()[:5] == ["create_channel", "invite", "post_card", "pin", "announce"]
    [invite] = core.slack.called("invite")
    assert invite["user_ids"] == [ALICE]
    assert len(core.slack.called("post_checklist")) == 1
    assert core.change_slack.methods() == ["post_digest"]
    kinds = [event.kind for event in core.storage.timeline(1)]
    assert kinds.count(TimelineKind.ROLE) == 1 and TimelineKind.PHASE in kinds


async def test_the_same_declare_key_returns_the_first_incident_and_touches_nothing() -> None:
    core = Core()
    first = await core.declare(key="view-42")
    core.slack.forget()
    data = DeclareInput(
        title="The same modal, submitted twice",
        severity=Severity.S1,
        category=Category.SILENT_DRIFT,
        reporter_id=ALICE,
        idempotency_key="view-42",
    )
    again, created = await core.incidents.declare(data)
    assert not created and again.number == first.number
    assert again.title == first.title  # the repeat changed nothing
    assert len(await core.incidents.list_open()) == 1
    assert core.slack.calls == []


async def test_a_declaration_slack_interrupted_is_finished_without_a_second_channel() -> None:
    core = Core()
    core.slack.fail("post_card")
    await core.declare()  # stored, whatever Slack does: the effects follow
    half_done = core.storage.incident(1)
    assert half_done.channel_id is not None and half_done.card_ts is None
    await core.projector.drain()
    assert core.storage.incident(1).card_ts is None  # waiting for its backoff, not hammering
    core.clock.advance(minutes=1)
    await core.projector.drain()
    assert core.storage.incident(1).card_ts is not None
    assert len(core.slack.called("create_channel")) == 1
    assert len(core.slack.called("post_card")) == 1


async def test_a_declaration_that_never_got_its_channel_gets_it_on_a_later_sweep() -> None:
    core = Core()
    core.slack.fail("create_channel", times=3)
    await core.declare()
    assert core.storage.incident(1).channel_id is None
    for _ in range(3):
        core.clock.advance(minutes=5)
        await core.projector.drain()
    assert core.storage.incident(1).channel_id is not None
    assert core.storage.incident(1).card_ts is not None
    assert await core.projector.drain() == 0  # nothing left to do
    assert len(core.slack.called("post_card")) == 1
