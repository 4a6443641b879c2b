"""The projector on in-memory fakes: order, coalescing, steps done once, and what a retry finds."""

from __future__ import annotations

from typing import Any

from bot.core.incidents.model import Role
from bot.slack.projector import Projector
from tests.core.assembly import ALICE, BOB, Core, shipped_runbooks
from tests.fakes.slack import SlackUnavailable


def held_back(core: Core) -> None:
    """Commits queue events without performing them (as when the projector is busy)."""
    core.storage.on_events = None


async def test_a_burst_of_ticks_updates_the_card_and_the_checklist_once() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    held_back(core)
    core.slack.forget()
    triage = shipped_runbooks().get("default").phase("triage")
    items = [item.id for item in triage.checklist]
    for tick in range(20):  # ticked, unticked, ticked again: 20 clicks in a burst
        await core.phases.toggle(
            channel_id=channel,
            phase="triage",
            entry_id=items[tick % len(items)],
            done=(tick // len(items)) % 2 == 0,
            actor=BOB,
        )
    assert core.slack.calls == []  # nothing reached Slack inside the use cases
    await core.projector.drain()
    assert len(core.slack.called("update_checklist")) == 1
    assert len(core.slack.called("update_card")) <= 1


async def test_an_unchanged_card_is_not_sent_again() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    core.slack.forget()
    await core.incidents.post_update(channel_id=channel, text="Rolled back", actor=ALICE)
    assert len(core.slack.called("update_card")) == 1  # the card shows the latest update
    # The same words at the same moment: the card would look the same, so it is left alone
    # (the notice is still posted: people said it twice).
    await core.incidents.post_update(channel_id=channel, text="Rolled back", actor=ALICE)
    assert len(core.slack.called("update_card")) == 1
    assert len(core.slack.called("post_notice")) == 2


async def test_a_failing_event_holds_back_the_ones_after_it_until_it_is_done() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    core.slack.forget()
    core.slack.fail("post_notice")
    await core.incidents.assign_role(channel_id=channel, role=Role.COMMS, user_id=BOB, actor=ALICE)
    await core.incidents.post_update(channel_id=channel, text="Rolled back", actor=ALICE)
    assert core.slack.called("post_notice") == []  # the role notice failed; the update waits
    core.clock.advance(minutes=1)
    await core.projector.drain()
    notices = [type(call["notice"]).__name__ for call in core.slack.called("post_notice")]
    assert notices == ["RoleAssigned", "StakeholderUpdate"]


async def test_a_retried_declaration_does_not_repeat_the_steps_that_completed() -> None:
    core = Core()
    core.slack.fail("post_card")
    await core.declare()
    core.clock.advance(minutes=1)
    await core.projector.drain()
    assert [len(core.slack.called(m)) for m in ("create_channel", "invite", "post_card")] == [
        1,
        1,
        1,
    ]


async def test_a_post_whose_answer_was_lost_is_found_again_not_posted_twice() -> None:
    """Slack posts the notice, then the answer is lost (a timeout after Slack acted)."""
    core = Core()
    channel = Core.channel_of(await core.declare())
    post = core.slack.post_notice
    lost: list[str] = []

    async def post_then_lose_the_answer(**call: Any) -> str:
        ts = await post(**call)
        if not lost:
            lost.append(ts)
            raise SlackUnavailable("chat.postMessage answer lost")
        return ts

    core.slack.post_notice = post_then_lose_the_answer  # type: ignore[method-assign]
    await core.incidents.post_update(channel_id=channel, text="Rolled back", actor=ALICE)
    core.clock.advance(minutes=1)
    await core.projector.drain()
    assert len(core.slack.called("post_notice")) == 1
    assert len(core.slack.called("find_post")) == 1


async def test_a_second_replica_leaves_an_incident_the_first_holds() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    held_back(core)
    await core.incidents.post_update(channel_id=channel, text="Rolled back", actor=ALICE)
    other = Projector(core.outbox, {})  # same storage, another process
    assert await core.outbox.claim(1)  # replica-a is working on it
    other.outbox = type(core.outbox)(uow=core.storage, claimant="replica-b", clock=core.clock)
    assert await other.drain() == 0
    await core.outbox.release(1)
    assert await core.projector.drain() == 2  # the notice and the card
