"""Putting Slack messages on the timeline: the pin reaction and the message shortcut."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.timeline import TimelineKind
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import CallbackId
from tests.rig import Declare

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"


async def messages_on_timeline(rig: Rehearsal, number: int) -> list[tuple[str, str | None]]:
    timeline = await rig.runtime.deps.incidents.timeline(number)
    return [(e.summary, e.actor) for e in timeline if e.kind is TimelineKind.SLACK_MESSAGE]


async def test_pushpin_adds_the_message_with_its_time_author_and_permalink_once(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id
    ts = rig.emulator.post_user_message(
        incident.channel_id, BOB, "Relevance scores fell below 0.72 on 2026-10-01"
    )
    await rig.slack.react(incident.channel_id, ts, user=CAROL, event_id="Ev0PIN1")
    # Slack delivers the same event again (the first ack was slow on its side).
    redelivered = await rig.slack.react(
        incident.channel_id, ts, user=CAROL, event_id="Ev0PIN1", retry_num=1
    )
    assert redelivered.status_code == 200
    await rig.slack.settle()

    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    [entry] = [e for e in timeline if e.kind is TimelineKind.SLACK_MESSAGE]
    assert entry.summary == "Relevance scores fell below 0.72 on 2026-10-01"
    assert entry.actor == BOB
    assert entry.occurred_at == datetime.fromtimestamp(float(ts), UTC)
    assert entry.permalink and ts.replace(".", "") in entry.permalink
    assert entry.details["added_by"] == CAROL


async def test_other_reactions_and_other_channels_are_ignored(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    in_incident = rig.emulator.post_user_message(incident.channel_id, BOB, "lunch?")
    elsewhere = rig.emulator.post_user_message(general.id, BOB, "unrelated")
    await rig.slack.react(incident.channel_id, in_incident, user=CAROL, reaction="tada")
    await rig.slack.react(general.id, elsewhere, user=CAROL)
    await rig.slack.settle()
    assert await messages_on_timeline(rig, incident.number or 0) == []


async def test_the_configured_emoji_is_the_one_that_pins(rig: Rehearsal, declare: Declare) -> None:
    rig.runtime.deps.settings.pin_emoji = "round_pushpin"
    incident = await declare()
    assert incident.channel_id
    ts = rig.emulator.post_user_message(incident.channel_id, BOB, "judge v3 rolled out")
    await rig.slack.react(incident.channel_id, ts, user=CAROL, reaction="pushpin")
    await rig.slack.react(incident.channel_id, ts, user=CAROL, reaction="round_pushpin")
    await rig.slack.settle()
    assert await messages_on_timeline(rig, incident.number or 0) == [("judge v3 rolled out", BOB)]


async def test_shortcut_in_the_incident_channel_adds_at_once(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id
    ts = rig.emulator.post_user_message(incident.channel_id, BOB, "index rebuilt at 14:02")
    await rig.slack.message_shortcut(
        CallbackId.TIMELINE_SHORTCUT, channel=incident.channel_id, message_ts=ts, user=ALICE
    )
    await rig.slack.settle()
    assert await messages_on_timeline(rig, incident.number or 0) == [
        ("index rebuilt at 14:02", BOB)
    ]
    assert "Added to the timeline" in rig.emulator.ephemerals_for(ALICE)[-1].text
    await rig.slack.message_shortcut(
        CallbackId.TIMELINE_SHORTCUT, channel=incident.channel_id, message_ts=ts, user=ALICE
    )
    await rig.slack.settle()
    assert "already on the timeline" in rig.emulator.ephemerals_for(ALICE)[-1].text
    assert len(await messages_on_timeline(rig, incident.number or 0)) == 1


async def test_shortcut_from_another_channel_asks_which_incident(
    rig: Rehearsal, declare: Declare
) -> None:
    first = await declare("Refusal spike")
    second = await declare("Escalation storm")
    general = rig.emulator.channel_by_name("general")
    assert general is not None and second.channel_id
    ts = rig.emulator.post_user_message(general.id, CAROL, "support queue tripled since 09:00")
    await rig.slack.message_shortcut(
        CallbackId.TIMELINE_SHORTCUT, channel=general.id, message_ts=ts, user=BOB
    )
    await rig.slack.settle()
    [view] = rig.emulator.open_views(BOB)
    assert view.payload["callback_id"] == CallbackId.TIMELINE_PICK_MODAL
    await rig.slack.submit_view(view.id, {"pick_incident": str(second.number)}, user=BOB)
    await rig.slack.settle()
    assert await messages_on_timeline(rig, second.number or 0) == [
        ("support queue tripled since 09:00", CAROL)
    ]
    assert await messages_on_timeline(rig, first.number or 0) == []
    said = [m.text for m in rig.emulator.messages(second.channel_id)]
    assert any(f"added a message from <#{general.id}>" in t for t in said)
    assert rig.emulator.rejections == []


async def test_a_message_mentioning_people_is_kept_as_plain_words_naming_them(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    general = rig.emulator.channel_by_name("general")
    assert general is not None and incident.channel_id
    said = "<@U0CAROL> the judge &amp; the index moved, see <https://ci.example/run/7|run 7>"
    pinned = rig.emulator.post_user_message(incident.channel_id, BOB, said)
    await rig.slack.react(incident.channel_id, pinned, user=ALICE)
    # From another channel the message waits in the pick modal while the incident is chosen.
    picked = rig.emulator.post_user_message(general.id, CAROL, "<@U0BOB> ran it again")
    await rig.slack.message_shortcut(
        CallbackId.TIMELINE_SHORTCUT, channel=general.id, message_ts=picked, user=ALICE
    )
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    await rig.slack.submit_view(view.id, {"pick_incident": str(incident.number)}, user=ALICE)
    await rig.slack.settle()

    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    assert [(e.summary, e.user_ids) for e in timeline if e.kind is TimelineKind.SLACK_MESSAGE] == [
        ("@U0CAROL the judge & the index moved, see run 7 (https://ci.example/run/7)", [CAROL]),
        ("@U0BOB ran it again", [BOB]),
    ]
