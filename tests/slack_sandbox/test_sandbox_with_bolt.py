"""A small Bolt app against the sandbox: Bolt must accept ScriptedSlack's requests and its
answers must land in the emulator, as they would on Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from slack_sandbox import ScriptedSlack
from tests.slack_sandbox.sandbox_support import (
    SIGNING_SECRET,
    Sandbox,
    button,
    modal,
    served_sandbox,
    text_input,
)

ALICE, BOB = "U0ALICE", "U0BOB"


def build_bolt_app(sandbox: Sandbox) -> AsyncApp:
    app = AsyncApp(client=sandbox.web(), signing_secret=SIGNING_SECRET)

    @app.command("/ai-incident")
    async def command(ack: Any, body: dict[str, Any], client: Any, respond: Any) -> None:
        await ack()
        if body["text"].startswith("open"):
            title = body["text"].removeprefix("open").strip()
            view = modal(text_input("title", "title", initial_value=title))
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        else:
            await respond("Usage: /ai-incident open [title]")

    @app.view("declare")
    async def declared(ack: Any, view: dict[str, Any], client: Any) -> None:
        title = view["state"]["values"]["title"]["title"]["value"]
        if len(title) < 5:
            await ack(response_action="errors", errors={"title": "Say a little more"})
            return
        await ack()
        created = await client.conversations_create(
            name="aiinc-1-" + title.lower().replace(" ", "-")
        )
        channel = created["channel"]["id"]
        await client.conversations_invite(channel=channel, users=ALICE)
        blocks = [
            {"type": "header", "text": {"type": "plain_text", "text": title}},
            {"type": "actions", "elements": [button("Take command", "take", "1")]},
        ]
        posted = await client.chat_postMessage(channel=channel, text=title, blocks=blocks)
        await client.pins_add(channel=channel, timestamp=posted["ts"])

    @app.action("take")
    async def take(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(text=f"<@{body['user']['id']}> is commander", replace_original=True)

    @app.event("reaction_added")
    async def reacted(event: dict[str, Any], client: Any) -> None:
        item = event["item"]
        await client.chat_postMessage(
            channel=item["channel"], thread_ts=item["ts"], text="Added to the timeline"
        )

    @app.shortcut("add_to_timeline")
    async def shortcut(ack: Any, shortcut: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(f"Added: {shortcut['message']['text']}")

    return app


@dataclass
class Rig:
    sandbox: Sandbox
    slack: ScriptedSlack

    def channel_id(self, name: str) -> str:
        channel = self.sandbox.emulator.channel_by_name(name)
        assert channel is not None, [c.name for c in self.sandbox.emulator.channels]
        return channel.id


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


@pytest.fixture
async def rig(sandbox: Sandbox) -> AsyncIterator[Rig]:
    handler = AsyncSlackRequestHandler(build_bolt_app(sandbox))

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    web = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://bolt.test") as http:
        slack = ScriptedSlack(http, signing_secret=SIGNING_SECRET, emulator=sandbox.emulator)
        yield Rig(sandbox, slack)
        await slack.settle()


async def test_declare_through_bolt_lands_in_the_emulator(rig: Rig) -> None:
    emulator = rig.sandbox.emulator
    general = rig.channel_id("general")
    response = await rig.slack.slash("open Refusals spiked", user=ALICE, channel=general)
    assert response.status_code == 200
    await rig.slack.settle()
    [view] = emulator.open_views(ALICE)
    assert view.blocks[0]["element"]["initial_value"] == "Refusals spiked"

    await rig.slack.submit_view(view.id, {}, user=ALICE)
    await rig.slack.settle()
    channel = rig.channel_id("aiinc-1-refusals-spiked")
    [card] = emulator.pins(channel)
    assert card.text == "Refusals spiked"
    assert emulator.open_views() == []

    await rig.slack.click("take", user=BOB, channel=channel, message=card.ts)
    await rig.slack.settle()
    [card] = emulator.pins(channel)
    assert (card.text, card.edit_count) == ("<@U0BOB> is commander", 1)
    assert emulator.rejections == []
    transcript = emulator.transcript()
    assert "#aiinc-1-refusals-spiked created by ai-incident" in transcript
    assert "@bob is commander" in transcript


async def test_field_errors_from_bolt_keep_the_modal_open(rig: Rig) -> None:
    general = rig.channel_id("general")
    await rig.slack.slash("open", user=ALICE, channel=general)
    await rig.slack.settle()
    [view] = rig.sandbox.emulator.open_views(ALICE)
    response = await rig.slack.submit_view(view.id, {"title": "Oops"}, user=ALICE)
    assert response.json() == {
        "response_action": "errors",
        "errors": {"title": "Say a little more"},
    }
    assert rig.sandbox.emulator.view(view.id).errors == {"title": "Say a little more"}
    await rig.slack.submit_view(view.id, {"title": "Judge drift"}, user=ALICE)
    await rig.slack.settle()
    assert rig.sandbox.emulator.channel_by_name("aiinc-1-judge-drift") is not None


async def test_respond_reaction_and_shortcut_through_bolt(rig: Rig) -> None:
    emulator = rig.sandbox.emulator
    general = rig.channel_id("general")
    await rig.slack.slash("help", user=ALICE, channel=general)
    ts = emulator.post_user_message(general, BOB, "Escalations doubled since 09:00")
    await rig.slack.react(general, ts, user=ALICE)
    await rig.slack.message_shortcut("add_to_timeline", channel=general, message_ts=ts, user=BOB)
    await rig.slack.settle()
    assert [e.text for e in emulator.ephemerals_for(ALICE)] == ["Usage: /ai-incident open [title]"]
    assert [e.text for e in emulator.ephemerals_for(BOB)] == [
        "Added: Escalations doubled since 09:00"
    ]
    [_, reply] = emulator.messages(general)
    assert (reply.thread_ts, reply.text) == (ts, "Added to the timeline")
    assert emulator.rejections == []
