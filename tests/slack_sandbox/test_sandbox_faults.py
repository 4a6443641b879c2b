"""Slack on a bad day: rate limits, server errors, error answers and slow answers, on demand."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from slack_sandbox import DEFAULT_BOT_TOKEN
from tests.slack_sandbox.sandbox_support import Sandbox, served_sandbox, slack_error


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


def general_id(sandbox: Sandbox) -> str:
    general = sandbox.emulator.channel_by_name("general")
    assert general is not None
    return general.id


async def test_a_429_carries_retry_after_and_the_rate_limit_handler_gets_through(
    sandbox: Sandbox,
) -> None:
    sandbox.emulator.fail("chat.postMessage", status=429, retry_after=0)
    web = sandbox.web(retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    posted = await web.chat_postMessage(channel=general_id(sandbox), text="Incident 1 opened")
    assert posted["ok"]
    limited, delivered = sandbox.emulator.calls
    assert (limited.status, limited.error, limited.injected) == (429, "ratelimited", True)
    assert (delivered.status, delivered.ok, delivered.injected) == (200, True, False)
    assert [m.text for m in sandbox.emulator.messages(general_id(sandbox))] == ["Incident 1 opened"]


async def test_the_retry_after_header_says_what_the_test_asked_for(sandbox: Sandbox) -> None:
    sandbox.emulator.fail("auth.test", retry_after=7)
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            sandbox.server.api_url + "auth.test",
            headers={"Authorization": f"Bearer {DEFAULT_BOT_TOKEN}"},
        )
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json() == {"ok": False, "error": "ratelimited"}


async def test_without_a_handler_the_429_reaches_the_caller(sandbox: Sandbox) -> None:
    sandbox.emulator.fail("conversations.create", times=2)
    web = sandbox.web()
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await web.conversations_create(name="aiinc-1-x")
        assert raised.value.response.status_code == 429
    await web.conversations_create(name="aiinc-1-x")
    assert sandbox.emulator.channel_by_name("aiinc-1-x") is not None


async def test_a_500_is_retried_by_the_server_error_handler(sandbox: Sandbox) -> None:
    sandbox.emulator.fail("conversations.create", status=500)
    handler = AsyncServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    web = sandbox.web(retry_handlers=[handler])
    created = await web.conversations_create(name="aiinc-2-flaky")
    assert created["channel"]["name"] == "aiinc-2-flaky"
    assert [(c.status, c.injected) for c in sandbox.emulator.calls] == [(500, True), (200, False)]


async def test_a_502_is_not_retried_by_that_handler_and_surfaces(sandbox: Sandbox) -> None:
    sandbox.emulator.fail("conversations.create", status=502)
    handler = AsyncServerErrorRetryHandler(
        max_retry_count=1, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
    )
    with pytest.raises(SlackApiError) as raised:
        await sandbox.web(retry_handlers=[handler]).conversations_create(name="aiinc-3-x")
    assert raised.value.response.status_code == 502
    assert sandbox.emulator.channel_by_name("aiinc-3-x") is None


async def test_a_planned_slack_error_answers_ok_false_then_work_resumes(sandbox: Sandbox) -> None:
    sandbox.emulator.fail("pins.add", error="not_pinnable")
    web = sandbox.web()
    channel_id = (await web.conversations_create(name="aiinc-4-pins"))["channel"]["id"]
    ts = (await web.chat_postMessage(channel=channel_id, text="card"))["ts"]
    assert await slack_error(web.pins_add(channel=channel_id, timestamp=ts)) == "not_pinnable"
    assert sandbox.emulator.pins(channel_id) == []
    await web.pins_add(channel=channel_id, timestamp=ts)
    assert [m.ts for m in sandbox.emulator.pins(channel_id)] == [ts]


async def test_a_delay_holds_only_that_method(sandbox: Sandbox) -> None:
    sandbox.emulator.delay("conversations.create", 2.0, times=1)
    web = sandbox.web()
    slow = asyncio.create_task(web.conversations_create(name="aiinc-5-slow"))
    await web.chat_postMessage(channel=general_id(sandbox), text="meanwhile")
    # The emulator answered the post while the create was still sleeping in its own loop.
    assert not slow.done()
    assert sandbox.emulator.channel_by_name("aiinc-5-slow") is None
    await slow
    assert sandbox.emulator.channel_by_name("aiinc-5-slow") is not None
    assert [c.method for c in sandbox.emulator.calls] == [
        "chat.postMessage",
        "conversations.create",
    ]


def test_fault_names_are_checked_so_a_typo_cannot_silently_arm_nothing() -> None:
    with served_sandbox() as sandbox, pytest.raises(ValueError, match="does not emulate"):
        sandbox.emulator.fail("chat.postMesage")
    with served_sandbox() as sandbox, pytest.raises(ValueError, match="429 or 5xx"):
        sandbox.emulator.fail("chat.postMessage", status=404)
