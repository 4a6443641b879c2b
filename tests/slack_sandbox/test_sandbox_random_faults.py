"""Random faults: a seeded share of calls fails (429 with Retry-After, or 5xx), some of the 5xx
after the work was done. A seed replays the same faults, so a failing run can be rerun."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from slack_sdk.errors import SlackApiError

from slack_sandbox import DEFAULT_BOT_TOKEN, Call, SlackEmulator
from tests.slack_sandbox.sandbox_support import Sandbox, served_sandbox

POSTS = 40


async def post_many(
    sandbox: Sandbox, arm: Callable[[SlackEmulator], None], *, concurrently: bool = False
) -> list[Call]:
    """Join #general, arm the faults, then post POSTS messages; the posts' call records."""
    web = sandbox.web()
    general = sandbox.emulator.channel_by_name("general")
    assert general is not None
    await web.conversations_join(channel=general.id)
    arm(sandbox.emulator)
    posts = [web.chat_postMessage(channel=general.id, text=f"tick {n}") for n in range(POSTS)]
    if concurrently:
        await asyncio.gather(*posts, return_exceptions=True)
    else:
        for post in posts:
            with contextlib.suppress(SlackApiError):
                await post
    return [c for c in sandbox.emulator.calls if c.method == "chat.postMessage"]


def outcomes(calls: list[Call]) -> list[tuple[int, bool]]:
    return [(c.status, c.performed) for c in calls]


async def run_seeded(seed: int, *, concurrently: bool = False) -> list[tuple[int, bool]]:
    def arm(emulator: SlackEmulator) -> None:
        emulator.fail_randomly(0.5, seed=seed, methods={"chat.postMessage"}, after_work_share=0.5)

    with served_sandbox() as sandbox:
        return outcomes(await post_many(sandbox, arm, concurrently=concurrently))


async def test_a_seed_replays_the_same_faults() -> None:
    first = await run_seeded(7)
    assert first == await run_seeded(7)
    assert first != await run_seeded(8)
    # Half the calls fail, as 429s and 500s, and some 500s come after the work.
    assert set(first) == {(200, True), (429, False), (500, False), (500, True)}


async def test_concurrent_calls_draw_the_same_faults_for_the_same_seed() -> None:
    first = Counter(await run_seeded(11, concurrently=True))
    assert first == Counter(await run_seeded(11, concurrently=True))
    assert first == Counter(await run_seeded(11))


async def test_the_record_matches_what_happened() -> None:
    with served_sandbox() as sandbox:
        calls = await post_many(
            sandbox, lambda emulator: emulator.fail_randomly(0.6, seed=3, after_work_share=0.5)
        )
        general = sandbox.emulator.channel_by_name("general")
        assert general is not None
        messages = sandbox.emulator.messages(general.id)
    assert len(messages) == sum(c.performed for c in calls)
    lost = [c for c in calls if c.performed and c.injected]
    assert lost
    assert {c.lost_answer["ts"] for c in lost if c.lost_answer} <= {m.ts for m in messages}
    assert all(c.injected for c in calls if c.status != 200)


async def test_only_the_named_methods_fail_until_cleared() -> None:
    with served_sandbox() as sandbox:
        web = sandbox.web()
        sandbox.emulator.fail_randomly(1.0, seed=1, methods={"pins.add"}, statuses=(503,))
        channel = (await web.conversations_create(name="aiinc-1-pins"))["channel"]["id"]
        ts = (await web.chat_postMessage(channel=channel, text="card"))["ts"]
        for _ in range(3):
            with pytest.raises(SlackApiError) as raised:
                await web.pins_add(channel=channel, timestamp=ts)
            assert raised.value.response.status_code == 503
        assert sandbox.emulator.pins(channel) == []
        sandbox.emulator.clear_faults()
        await web.pins_add(channel=channel, timestamp=ts)
        assert [m.ts for m in sandbox.emulator.pins(channel)] == [ts]


async def test_a_random_429_carries_retry_after_and_is_never_after_the_work() -> None:
    with served_sandbox() as sandbox:
        sandbox.emulator.fail_randomly(
            1.0, seed=5, statuses=(429,), retry_after=4, after_work_share=1.0
        )
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                sandbox.server.api_url + "auth.test",
                headers={"Authorization": f"Bearer {DEFAULT_BOT_TOKEN}"},
            )
        assert (answer.status_code, answer.headers["Retry-After"]) == (429, "4")
        [call] = sandbox.emulator.calls
        assert (call.injected, call.performed) == (True, False)


async def test_faults_armed_one_by_one_come_before_random_ones() -> None:
    with served_sandbox() as sandbox:
        sandbox.emulator.fail_randomly(1.0, seed=2, statuses=(429,))
        sandbox.emulator.fail("auth.test", status=502)
        web = sandbox.web()
        statuses = []
        for _ in range(2):
            with pytest.raises(SlackApiError) as raised:
                await web.auth_test()
            statuses.append(raised.value.response.status_code)
        assert statuses == [502, 429]


def test_bad_random_plans_are_refused() -> None:
    with served_sandbox() as sandbox:
        fail_randomly = sandbox.emulator.fail_randomly
        with pytest.raises(ValueError, match="rate"):
            fail_randomly(1.5, seed=1)
        with pytest.raises(ValueError, match="after_work_share"):
            fail_randomly(0.5, seed=1, after_work_share=-0.1)
        with pytest.raises(ValueError, match="does not emulate"):
            fail_randomly(0.5, seed=1, methods={"chat.postMesage"})
        with pytest.raises(ValueError, match="429 or 5xx"):
            fail_randomly(0.5, seed=1, statuses=(404,))
        with pytest.raises(ValueError, match="at least one"):
            fail_randomly(0.5, seed=1, statuses=())
