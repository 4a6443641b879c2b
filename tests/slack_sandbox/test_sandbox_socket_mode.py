"""The sandbox's Socket Mode, seen from a hand-written client: the URL only an app-level token
gets, the hello, envelopes and their acks, what stays unacked, refresh and outage."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slack_sandbox import DEFAULT_BOT_TOKEN, SandboxServer, SlackEmulator
from slack_sandbox.socket_mode import DEFAULT_APP_TOKEN, NotConnected
from tests.slack_sandbox.sandbox_support import slack_error

WAIT = 10.0


@pytest.fixture
async def served() -> AsyncIterator[SandboxServer]:
    # A short ack deadline: the unacked test waits it out once.
    with SandboxServer(SlackEmulator(ack_timeout=0.5)) as server:
        yield server


def web(server: SandboxServer, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=server.api_url)


async def open_url(server: SandboxServer) -> str:
    answer = await web(server).apps_connections_open(app_token=DEFAULT_APP_TOKEN)
    url: str = answer["url"]
    return url


async def receive(link: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(link.receive(), WAIT)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    decoded: dict[str, Any] = json.loads(message.data)
    return decoded


async def test_only_the_app_level_token_opens_a_connection(served: SandboxServer) -> None:
    url = await open_url(served)
    assert url.startswith(f"ws://127.0.0.1:{served.port}/link/?ticket=")

    bot_token = web(served).apps_connections_open(app_token=DEFAULT_BOT_TOKEN)
    assert await slack_error(bot_token) == "not_allowed_token_type"
    wrong_app_token = web(served).apps_connections_open(app_token="xapp-1-A0OTHER-9-wrong")
    assert await slack_error(wrong_app_token) == "invalid_auth"


async def test_the_link_says_hello_then_delivers_and_hands_back_the_ack(
    served: SandboxServer,
) -> None:
    hub = served.emulator.socket_mode
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(await open_url(served)) as link,
    ):
        hello = await receive(link)
        assert hello["type"] == "hello"
        assert hello["connection_info"] == {"app_id": served.emulator.app_id}

        payload = {"type": "view_submission", "view": {"id": "V1"}}
        delivering = asyncio.create_task(hub.deliver("interactive", payload))
        envelope = await receive(link)
        assert envelope["type"] == "interactive"
        assert envelope["payload"] == payload
        assert envelope["accepts_response_payload"] is True
        answer = {"response_action": "errors", "errors": {"title": "Say more"}}
        await link.send_json({"envelope_id": envelope["envelope_id"], "payload": answer})

        delivery = await asyncio.wait_for(delivering, WAIT)
        assert delivery.acked
        assert delivery.ack_payload == answer
        assert hub.unacked == []


async def test_an_envelope_nobody_acks_is_kept_for_the_test(served: SandboxServer) -> None:
    hub = served.emulator.socket_mode
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(await open_url(served)) as link,
    ):
        await receive(link)  # hello
        delivering = asyncio.create_task(hub.deliver("events_api", {"event_id": "Ev1"}))
        envelope = await receive(link)
        assert envelope["accepts_response_payload"] is False
        assert envelope["retry_attempt"] == 0

        delivery = await asyncio.wait_for(delivering, WAIT)
        assert not delivery.acked
        assert hub.unacked == [envelope]


async def test_a_ticket_works_once(served: SandboxServer) -> None:
    url = await open_url(served)
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as link:
            assert (await receive(link))["type"] == "hello"
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(url)


async def test_disconnect_asks_the_app_to_move_to_a_new_link(served: SandboxServer) -> None:
    hub = served.emulator.socket_mode
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(await open_url(served)) as link,
    ):
        await receive(link)  # hello
        await hub.disconnect("refresh_requested")
        notice = await receive(link)
        assert notice["type"] == "disconnect"
        assert notice["reason"] == "refresh_requested"
        with pytest.raises(ValueError, match="no disconnect"):
            await hub.disconnect("bored")


async def test_taken_down_the_link_closes_and_no_new_one_opens_until_it_is_up(
    served: SandboxServer,
) -> None:
    hub = served.emulator.socket_mode
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(await open_url(served)) as link,
    ):
        await receive(link)  # hello
        await hub.take_down()
        closing = await asyncio.wait_for(link.receive(), WAIT)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert not hub.connected
    with pytest.raises(NotConnected):
        await hub.deliver("events_api", {"event_id": "Ev2"})
    assert (
        await slack_error(web(served).apps_connections_open(app_token=DEFAULT_APP_TOKEN))
        == "service_unavailable"
    )

    hub.bring_up()
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(await open_url(served)) as link,
    ):
        assert (await receive(link))["type"] == "hello"
        assert hub.connected
