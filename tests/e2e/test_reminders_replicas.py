"""Two `ai-incident serve` processes on one PostgreSQL database, both ticking: every due
reminder is sent exactly once."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.core.incidents.model import Category, Incident, Severity
from slack_sandbox import DEFAULT_BOT_TOKEN, SandboxServer, SlackEmulator
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory

DUE = 200
COMMANDER = "U0ALICE"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def seed_stale_incidents(url: str, count: int) -> None:
    """S1 incidents declared two hours ago with no stakeholder update: one nudge each."""
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    declared = datetime.now(UTC) - timedelta(hours=2)
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
