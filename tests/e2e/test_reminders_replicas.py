"""Two replicas on one database, both ticking: every due reminder is sent exactly once — with
two `ai-incident serve` processes on PostgreSQL, and with two apps in one process on a clock
they share while Slack answers slowly."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.core.incidents.model import Category, Incident, Severity
from bot.core.reminders.rules import DueReminder
from bot.core.reminders.service import ReminderNotifier, ReminderService
from slack_sandbox import DEFAULT_BOT_TOKEN, SandboxServer, SlackEmulator
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes.clock import FakeClock
from tests.rig import OpenRig

DUE = 200
COMMANDER = "U0ALICE"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed_stale_incidents(url: str, count: int, *, now: datetime | None = None) -> None:
    """S1 incidents declared two hours ago with no stakeholder update: one nudge each."""
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    declared = (now or datetime.now(UTC)) - timedelta(hours=2)
    async with uow() as tx:
        for n in range(count):
            await tx.incidents.add(
                incident=Incident(
                    title=f"Replica test {n}",
                    severity=Severity.S1,
                    category=Category.SILENT_DRIFT,
                    channel_id=f"C{n:08d}",
                    channel_name=f"aiinc-{n}",
                    card_ts="1.0",
                    commander_id=COMMANDER,
                    declared_at=declared,
                    phase_started_at=declared,
                )
            )
    await engine.dispose()


async def wait_until_healthy(port: int) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"ai-incident serve on port {port} did not come up")


@pytest.mark.postgres
async def test_two_postgres_replicas_send_each_due_reminder_exactly_once(
    postgres_url: str,
) -> None:
    await upgrade(postgres_url)
    await seed_stale_incidents(postgres_url, DUE)
    emulator = SlackEmulator()
    with SandboxServer(emulator) as server:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": "replica-test-secret",
            "SLACK_API_URL": server.api_url,
            "AI_INCIDENT_DATABASE_URL": postgres_url,
            "AI_INCIDENT_REMINDER_TICK_SECONDS": "0.3",
        }
        ports = [free_port(), free_port()]
        replicas = [
            subprocess.Popen(  # noqa: ASYNC220 - long-running children, stopped below
                [sys.executable, "-m", "bot", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        try:
            for port in ports:
                await wait_until_healthy(port)
            for _ in range(600):  # at most 60 s
                dm = emulator.dm_channel_id(COMMANDER)
                if dm and len(emulator.messages(dm)) >= DUE:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2)  # several more ticks from both: duplicates would show now
        finally:
            for replica in replicas:
                replica.terminate()
            for replica in replicas:
                replica.wait(timeout=20)
        dm = emulator.dm_channel_id(COMMANDER)
        assert dm is not None
        nudges = [m.text for m in emulator.messages(dm)]
        assert len(nudges) == DUE
        assert len({text.split(" ")[2] for text in nudges}) == DUE  # one per incident (#n)
        assert emulator.rejections == []


SLOW_DUE = 30
POST = timedelta(seconds=5)


class SlowSlack:
    """The real notifier, but each post answers 5 s after it was made on the clock both
    replicas read. Posts in flight at once overlap, as they would against Slack: the clock
    ends at the latest answer, never at the sum."""

    def __init__(self, inner: ReminderNotifier, clock: FakeClock) -> None:
        self._inner = inner
        self._clock = clock

    async def send_reminder(self, *, reminder: DueReminder) -> str:
        answered_at = self._clock.now() + POST
        ts = await self._inner.send_reminder(reminder=reminder)
        self._clock.moment = max(self._clock.moment, answered_at)
        return ts


def nudged_incidents(emulator: SlackEmulator) -> Counter[int]:
    """How many stale-update nudges reached the commander, by incident number."""
    dm = emulator.dm_channel_id(COMMANDER)
    texts = [m.text for m in emulator.messages(dm)] if dm else []
    return Counter(
        int(found.group(1)) for text in texts if (found := re.search(r"Incident #(\d+)", text))
    )


async def tick_until(service: ReminderService, done: Callable[[], bool]) -> int:
    """Tick again and again until `done`, then once more; how many this replica sent."""
    sent = 0
    for _ in range(2_000):  # a bound, so a tick that never sends cannot hang the test
        sent += await service.tick()
        if done():
            break
        await asyncio.sleep(0)  # let the other replica run between two ticks
    return sent + await service.tick()


async def test_thirty_reminders_due_at_once_with_slack_at_5s_a_post_reach_slack_once_each(
    database_url: str, open_rig: OpenRig
) -> None:
    """30 posts at 5 s each take 150 s: longer than a claim's 2-minute lease. Claiming the
    whole batch up front let the other replica re-claim the tail and send it a second time."""
    clock = FakeClock()
    emulator = SlackEmulator()
    await upgrade(database_url)
    await seed_stale_incidents(database_url, SLOW_DUE, now=clock.now())
    async with AsyncExitStack() as stack:
        replicas = [
            await stack.enter_async_context(
                open_rig(database_url=database_url, emulator=emulator, clock=clock)
            )
            for _ in range(2)
        ]
        services = [rig.runtime.deps.reminders for rig in replicas]
        assert services[0].claimant != services[1].claimant
        for service in services:
            service.notifier = SlowSlack(service.notifier, clock)
        started = clock.now()

        def all_sent() -> bool:
            return len(nudged_incidents(emulator)) >= SLOW_DUE

        sent = await asyncio.gather(*(tick_until(service, all_sent) for service in services))

    assert clock.now() - started >= POST * SLOW_DUE / 2  # Slack was as slow as claimed
    nudges = nudged_incidents(emulator)
    assert sorted(nudges) == list(range(1, SLOW_DUE + 1))
    twice = {number: n for number, n in nudges.items() if n > 1}
    assert twice == {}, f"{len(twice)} of {SLOW_DUE} reminders were sent more than once"
    assert len(emulator.calls_to("chat.postMessage")) == SLOW_DUE
    assert sum(sent) == SLOW_DUE
