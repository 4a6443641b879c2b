"""ScriptedSlack sends what Slack sends: signed, shaped like Slack's payloads, tied to the
emulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.signature import SignatureVerifier

from slack_sandbox import ScriptedSlack, SettleTimeout, slack_signature
from tests.slack_sandbox.sandbox_support import (
    SIGNING_SECRET,
    RecordingApp,
    Sandbox,
    button,
    served_sandbox,
)


@dataclass
class Rig:
    sandbox: Sandbox
    app: RecordingApp
    slack: ScriptedSlack

    @property
    def general(self) -> str:
        general = self.sandbox.emulator.channel_by_name("general")
        assert general is not None
        return general.id


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


@pytest.fixture
async def rig(sandbox: Sandbox) -> AsyncIterator[Rig]:
    app = RecordingApp()
    transport = httpx.ASGITransport(app=app.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as http:
        slack = ScriptedSlack(http, signing_secret=SIGNING_SECRET, emulator=sandbox.emulator)
        yield Rig(sandbox, app, slack)


async def post_card(rig: Rig) -> str:
    web = rig.sandbox.web()
    await web.conversations_join(channel=rig.general)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Unowned: add a regression case"}},
        {
            "type": "actions",
            "block_id": "item-7",
            "elements": [button("Take it", "take_item", "7"), button("Assign", "assign", "7")],
        },
        {
            "type": "actions",
            "block_id": "item-8",
            "elements": [button("Take it", "take_item", "8")],
        },
    ]
    posted = await web.chat_postMessage(channel=rig.general, text="Unowned items", blocks=blocks)
    ts = posted["ts"]
    assert isinstance(ts, str)
    return ts


async def test_every_kind_of_request_is_signed_so_slacks_verifier_accepts_it(rig: Rig) -> None:
    ts = await post_card(rig)
    await rig.slack.slash("help", user="U0ALICE", channel=rig.general)
    await rig.slack.click("take_item", user="U0BOB", channel=rig.general, message=ts, value="7")
    await rig.slack.react(rig.general, ts, user="U0ALICE")
    await rig.slack.url_verification("challenge-me")
    await rig.slack.ssl_check()
    assert len(rig.app.received) == 5
    assert all(r.signature_ok for r in rig.app.received)


async def test_a_stale_or_unsigned_request_does_not_verify(rig: Rig) -> None:
    body = b'{"type": "event_callback"}'
    await rig.slack.raw(
        body, {"Content-Type": "application/json"}, timestamp=int(time.time()) - 600
    )
    await rig.slack.raw(body, {"Content-Type": "application/json"}, sign=False)
    stale, unsigned = rig.app.received
    assert not stale.signature_ok
    assert "x-slack-signature" not in unsigned.headers and not unsigned.signature_ok


def test_the_signature_is_slacks_v0_scheme() -> None:
    body = b"token=x&team_id=T1"
    stamp = str(int(time.time()))
    signature = slack_signature("s3cret", stamp, body)
    assert signature.startswith("v0=")
    assert SignatureVerifier("s3cret").is_valid(body, stamp, signature)
    assert not SignatureVerifier("other").is_valid(body, stamp, signature)


async def test_a_slash_command_carries_a_live_trigger_and_response_url(rig: Rig) -> None:
    await rig.slack.slash("open Refusals spiked", user="U0ALICE", channel=rig.general)
    form = rig.app.last.form
    assert form["command"] == "/ai-incident"
    assert (form["text"], form["user_id"], form["user_name"]) == (
        "open Refusals spiked",
        "U0ALICE",
        "alice",
    )
    assert (form["channel_id"], form["channel_name"], form["team_id"]) == (
        rig.general,
        "general",
        "T0SANDBOX",
    )
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Declare"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    opened = await rig.sandbox.web().views_open(trigger_id=form["trigger_id"], view=view)
    assert rig.sandbox.emulator.view(opened["view"]["id"]).user == "U0ALICE"
    await AsyncRespond(response_url=form["response_url"])(text="Opening the form…")
    assert [e.text for e in rig.sandbox.emulator.ephemerals_for("U0ALICE")] == ["Opening the form…"]


async def test_mentions_typed_in_a_command_arrive_escaped_like_should_escape(rig: Rig) -> None:
    typed = "role comms @bob in #general, cc oncall@example.com @nobody @here"
    await rig.slack.slash(typed, user="U0ALICE", channel=rig.general)
    assert rig.app.last.form["text"] == (
        f"role comms <@U0BOB|bob> in <#{rig.general}|general>, cc oncall@example.com "
        "@nobody <!here>"
    )
    await rig.slack.slash("role comms @bob", user="U0ALICE", channel=rig.general, escape=False)
    assert rig.app.last.form["text"] == "role comms @bob"


async def test_a_slash_ack_with_text_is_shown_to_the_person(rig: Rig) -> None:
    rig.app.answer = {"text": "Usage: /ai-incident open [title]"}
    await rig.slack.slash("", user="U0CAROL", channel=rig.general)
    [shown] = rig.sandbox.emulator.ephemerals
    assert (shown.user, shown.text) == ("U0CAROL", "Usage: /ai-incident open [title]")


async def test_a_click_names_the_button_it_found_in_the_stored_message(rig: Rig) -> None:
    ts = await post_card(rig)
    await rig.slack.click("take_item", user="U0BOB", channel=rig.general, message=ts, value="8")
    payload = rig.app.last.payload
    assert payload["type"] == "block_actions"
    [action] = payload["actions"]
    assert (action["type"], action["action_id"], action["block_id"], action["value"]) == (
        "button",
        "take_item",
        "item-8",
        "8",
    )
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": rig.general,
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == ts and payload["user"]["id"] == "U0BOB"
    await AsyncRespond(response_url=payload["response_url"])(
        text="Bob owns item 8", replace_original=True
    )
    [card] = rig.sandbox.emulator.messages(rig.general)
    assert (card.text, card.edit_count) == ("Bob owns item 8", 1)


async def test_a_button_a_person_cannot_see_cannot_be_clicked(rig: Rig) -> None:
    ts = await post_card(rig)
    with pytest.raises(LookupError, match="take_item"):
        await rig.slack.click("close_incident", user="U0BOB", channel=rig.general, message=ts)
    with pytest.raises(LookupError):
        await rig.slack.click("take_item", user="U0BOB", channel=rig.general, message=ts, value="9")
    assert rig.app.received == []


async def test_ephemeral_buttons_belong_to_the_person_who_sees_them(rig: Rig) -> None:
    blocks = [{"type": "actions", "elements": [button("Confirm close", "confirm_close")]}]
    posted = await rig.sandbox.web().chat_postEphemeral(
        channel=rig.general, user="U0ALICE", text="Close?", blocks=blocks
    )
    ts = posted["message_ts"]
    with pytest.raises(LookupError, match="only"):
        await rig.slack.click("confirm_close", user="U0BOB", channel=rig.general, message=ts)
    await rig.slack.click("confirm_close", user="U0ALICE", channel=rig.general, message=ts)
    payload = rig.app.last.payload
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload
    await AsyncRespond(response_url=payload["response_url"])(delete_original=True)
    assert rig.sandbox.emulator.ephemerals == []


async def test_a_select_in_a_message_sends_the_picked_option(rig: Rig) -> None:
    select = {
        "type": "static_select",
        "action_id": "severity",
        "placeholder": {"type": "plain_text", "text": "Severity"},
        "options": [
            {"text": {"type": "plain_text", "text": f"S{n}"}, "value": f"S{n}"} for n in (1, 2, 3)
        ],
    }
    web = rig.sandbox.web()
    await web.conversations_join(channel=rig.general)
    blocks = [{"type": "actions", "block_id": "sev", "elements": [select]}]
    ts = (await web.chat_postMessage(channel=rig.general, text="sev", blocks=blocks))["ts"]
    await rig.slack.click(
        "severity", user="U0ALICE", channel=rig.general, message=ts, selected_option="S1"
    )
    [action] = rig.app.last.payload["actions"]
    assert action["selected_option"]["value"] == "S1"


async def test_events_carry_retry_headers_and_a_stable_id_when_asked(rig: Rig) -> None:
    ts = rig.sandbox.emulator.post_user_message(rig.general, "U0CAROL", "judge agreement fell")
    await rig.slack.react(rig.general, ts, user="U0ALICE", event_id="Ev0PIN1")
    await rig.slack.react(rig.general, ts, user="U0ALICE", event_id="Ev0PIN1", retry_num=1)
    first, retry = rig.app.received
    assert "x-slack-retry-num" not in first.headers
    assert (retry.headers["x-slack-retry-num"], retry.headers["x-slack-retry-reason"]) == (
        "1",
        "http_timeout",
    )
    assert first.payload["event_id"] == retry.payload["event_id"] == "Ev0PIN1"
    event = first.payload["event"]
    assert (event["type"], event["reaction"], event["item_user"]) == (
        "reaction_added",
        "pushpin",
        "U0CAROL",
    )
    assert event["item"] == {"type": "message", "channel": rig.general, "ts": ts}
    # A redelivery is the same reaction, not a second one.
    assert rig.sandbox.emulator.message(rig.general, ts).reactions == {"pushpin": ["U0ALICE"]}


async def test_a_message_shortcut_carries_the_stored_message(rig: Rig) -> None:
    ts = rig.sandbox.emulator.post_user_message(rig.general, "U0BOB", "p95 latency doubled")
    await rig.slack.message_shortcut(
        "add_to_timeline", channel=rig.general, message_ts=ts, user="U0ALICE"
    )
    payload = rig.app.last.payload
    assert (payload["type"], payload["callback_id"], payload["message_ts"]) == (
        "message_action",
        "add_to_timeline",
        ts,
    )
    message = payload["message"]
    assert (message["user"], message["text"], message["ts"]) == ("U0BOB", "p95 latency doubled", ts)
    assert payload["trigger_id"] and payload["response_url"].startswith("http://127.0.0.1:")


async def test_settle_waits_for_background_work_started_by_a_request(rig: Rig) -> None:
    finished: list[str] = []

    async def background() -> None:
        await asyncio.sleep(0.05)
        finished.append("done")

    await rig.slack.slash("status", user="U0ALICE", channel=rig.general)
    asyncio.get_running_loop().create_task(background())
    await rig.slack.settle()
    assert finished == ["done"]


async def test_settle_names_what_is_still_running_when_it_gives_up(rig: Rig) -> None:
    stuck = asyncio.Event()

    async def never_finishes() -> None:
        await stuck.wait()

    task = asyncio.get_running_loop().create_task(never_finishes(), name="stuck-listener")
    with pytest.raises(SettleTimeout, match="stuck-listener"):
        await rig.slack.settle(timeout=0.05)
    stuck.set()
    await task


async def test_settle_reports_background_work_that_crashed(rig: Rig) -> None:
    async def crashes() -> None:
        raise RuntimeError("listener bug")

    asyncio.get_running_loop().create_task(crashes())
    with pytest.raises(ExceptionGroup) as raised:
        await rig.slack.settle()
    assert "listener bug" in str(raised.value.exceptions[0])


async def test_a_crash_that_ended_before_settle_is_still_reported_once(rig: Rig) -> None:
    async def crashes() -> None:
        raise RuntimeError("card update failed")

    crashed = asyncio.get_running_loop().create_task(crashes())
    await rig.slack.slash("status", user="U0ALICE", channel=rig.general)
    await asyncio.wait({crashed})
    with pytest.raises(ExceptionGroup, match="background tasks failed"):
        await rig.slack.settle()
    await rig.slack.settle()  # reported once, not on every later settle


async def test_the_transcript_reads_like_the_conversation(rig: Rig) -> None:
    ts = await post_card(rig)
    await rig.slack.slash("status", user="U0ALICE", channel=rig.general)
    await rig.slack.click("take_item", user="U0BOB", channel=rig.general, message=ts, value="7")
    transcript = rig.sandbox.emulator.transcript()
    assert "[#general] ai-incident:" in transcript
    assert "Unowned: add a regression case" in transcript
    assert "[Take it] [Assign]" in transcript
    assert ">> alice typed `/ai-incident status` in #general" in transcript
    assert ">> bob clicked [Take it] in #general" in transcript
