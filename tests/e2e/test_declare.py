"""Declaring an incident, end to end: slash command -> modal -> channel, card, announcement."""

from __future__ import annotations

from collections.abc import Mapping

from httpx import Response

from bot.core.timeline import TimelineKind
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import CallbackId
from tests.fakes.clock import FakeClock
from tests.rig import Declare

ALICE = "U0ALICE"


async def test_open_shows_the_declare_modal_with_the_title_prefilled(rig: Rehearsal) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    response = await rig.slack.slash(
        "open Refusals spiked on chest pain", user=ALICE, channel=general.id
    )
    assert response.status_code == 200
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    assert view.payload["callback_id"] == CallbackId.DECLARE_MODAL
    title_block = next(b for b in view.payload["blocks"] if b.get("block_id") == "title")
    assert title_block["element"]["initial_value"] == "Refusals spiked on chest pain"
    assert rig.emulator.rejections == []


async def test_declaring_creates_channel_invites_pins_card_and_announces(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare(ai_feature="legal-research-rag", how_detected="user_report")

    channel = rig.emulator.channel_by_name(
        "aiinc-1-legal-research-assistant-cites-cases-that-do-not-exist"
    )
    assert channel is not None, [c.name for c in rig.emulator.channels]
    assert ALICE in channel.members
    assert incident.channel_id == channel.id
    [card] = rig.emulator.pins(channel.id)
    assert card.ts == incident.card_ts
    card_text = str(card.blocks)
    assert "Legal research assistant" in card_text and "legal-research-rag" in card_text
    announce = rig.emulator.channel_by_name("ai-incidents")
    assert announce is not None
    [announcement] = rig.emulator.messages(announce.id)
    assert f"<#{channel.id}>" in announcement.text
    # The opener hears where to go, where they typed the command.
    assert any(channel.id in e.text for e in rig.emulator.ephemerals_for(ALICE))

    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    steps = [e.details.get("event") for e in timeline if e.kind is TimelineKind.STATUS]
    assert steps == ["declared", "channel_created", "invited", "card_posted"]
    assert incident.commander_id == ALICE
    assert rig.emulator.rejections == []


async def test_the_same_view_submitted_twice_declares_once(rig: Rehearsal) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Escalation storm", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    sent: list[bytes] = []
    send = rig.slack.raw

    async def recording(body: bytes, headers: Mapping[str, str] | None = None) -> Response:
        sent.append(body)
        return await send(body, headers)

    rig.slack.raw = recording  # type: ignore[method-assign, assignment]
    first = await rig.slack.submit_view(
        view.id, {"severity": "S1", "category": "silent_drift"}, user=ALICE
    )
    # Slack delivers the same submission again (a double click) while the first is at work.
    second = await send(sent[-1], {"Content-Type": "application/x-www-form-urlencoded"})
    assert first.status_code == second.status_code == 200
    await rig.slack.settle()
    incidents = await rig.runtime.deps.incidents.list_open()
    assert len(incidents) == 1
    created = [c for c in rig.emulator.calls if c.method == "conversations.create" and c.ok]
    assert len(created) == 1


async def test_invalid_declaration_is_answered_in_the_modal_and_nothing_is_stored(
    rig: Rehearsal,
) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Drift", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    future = 4_102_444_800  # 2100-01-01
    response = await rig.slack.submit_view(
        view.id,
        {"severity": "S3", "category": "silent_drift", "regression_started_at": future},
        user=ALICE,
    )
    body = response.json()
    assert body["response_action"] == "errors"
    assert "future" in body["errors"]["regression_started_at"]
    await rig.slack.settle()
    assert await rig.runtime.deps.incidents.list_open() == []
    assert not [c for c in rig.emulator.calls if c.method == "conversations.create"]


async def test_name_taken_and_rate_limited_post_still_end_with_the_card(
    rig: Rehearsal, declare: Declare
) -> None:
    rig.emulator.add_channel("aiinc-1-refusals")
    rig.emulator.fail("chat.postMessage", status=429, retry_after=1, times=1)
    incident = await declare("Refusals")
    assert incident.channel_name == "aiinc-1-refusals-2"
    assert incident.channel_id is not None
    [card] = rig.emulator.pins(incident.channel_id)
    assert "Refusals" in str(card.blocks)
    posts = [c for c in rig.emulator.calls if c.method == "chat.postMessage"]
    assert posts[0].status == 429 and posts[0].injected
    assert any(c.ok for c in posts)
    creates = [c for c in rig.emulator.calls if c.method == "conversations.create"]
    assert [c.error for c in creates] == ["name_taken", None]


async def test_ack_comes_before_slow_slack_work(rig: Rehearsal) -> None:
    """Slack needs the ack within 3 s; the channel is created after it, however slow Slack is."""
    rig.emulator.delay("conversations.create", 1.5, times=1)
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Slow", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    response = await rig.slack.submit_view(
        view.id, {"severity": "S3", "category": "silent_drift"}, user=ALICE
    )
    assert response.status_code == 200
    # The answer is back while Slack is still busy creating the channel.
    assert rig.emulator.channel_by_name("aiinc-1-slow") is None
    await rig.slack.settle()
    assert rig.emulator.channel_by_name("aiinc-1-slow") is not None


async def test_a_declaration_during_a_slack_outage_is_kept_and_finished_when_slack_is_back(
    clocked_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = clocked_rig
    rig.emulator.fail("conversations.create", status=503, times=10)
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Outage", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    await rig.slack.submit_view(view.id, {"severity": "S2", "category": "silent_drift"}, user=ALICE)
    await rig.slack.settle()
    # Declared and kept, whatever Slack does; the channel waits for Slack, visibly.
    [stored] = await rig.runtime.deps.incidents.list_open()
    assert stored.channel_id is None

    rig.emulator.clear_faults()
    clock.advance(minutes=5)  # past the retry's backoff: the sweep (or a restart) finishes it
    await rig.runtime.projector.drain()
    [incident] = await rig.runtime.deps.incidents.list_open()
    assert incident.channel_name == "aiinc-1-outage"
    assert incident.card_ts is not None
    assert [c.name for c in rig.emulator.channels if c.name.startswith("aiinc-")] == [
        "aiinc-1-outage"
    ]
