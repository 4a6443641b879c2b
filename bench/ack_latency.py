"""Ack latency of the bot next to a bare ack-only Bolt app, under load, in one run.

Run from the repository root:
`python -m bench.ack_latency [--rounds N] [--postgres URL] [--bot-source DIR]`.

Three things run at once: the Slack sandbox (slack_sandbox.SandboxServer, every Web API method
answering 300 ms late through the emulator's delay fault), the bot as `ai-incident serve` runs
it (bot.runtime.build_runtime under uvicorn, its own process, a fresh SQLite file or the
PostgreSQL database given by `--postgres`, which should be empty: it is migrated here), and the
baseline (bench/bare_bolt_app.py: the same Bolt Starlette adapter under uvicorn with the same
signing secret, every listener only acking), also in its own process. Both point SLACK_API_URL at
the sandbox.

After a short set-up (a few incidents declared through the bot, declare modals opened for the
submissions to come), the driver sends signed requests over real HTTP with httpx, built with the
sandbox's own payload builders, at most `--concurrency` (20) in flight per app, the two apps
interleaved request by request (each request kind goes to the bot, then the same body to the
bare app): `open` (a modal), `update` with no text (a modal after reading the incident),
`status`, `log x` in an incident channel, the card's "Post update" button, a checklist tick, and
the declare modal's submission. Latency is from sending the request to its answer (the ack).

Printed: p50 and p99 per app and the ratio bot / bare, per request kind and overall, and the
number of `views.open` calls the sandbox answered `expired_trigger_id` (the trigger was older
than 3 s: a modal the person never saw). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from slack_sandbox import SandboxServer, SlackEmulator
from slack_sandbox.client import FORM, SlackDriver, slack_signature
from slack_sandbox.emulator import DEFAULT_BOT_TOKEN
from slack_sandbox.methods import METHODS
from slack_sandbox.state import JsonDict

SECRET = "bench-signing-secret"
ALICE, BOB = "U0ALICE", "U0BOB"
SLACK_LATENCY_S = 0.3
DECLARE = {"severity": "S2", "category": "user_visible_regression"}
KINDS = ("open", "update", "status", "log", "post_update", "tick", "declare_submit")


class Capture(SlackDriver):
    """The sandbox's driver, building each body the way Slack would (fresh trigger_id and
    response_url minted in the emulator) but handing it back instead of sending it."""

    def __init__(self, emulator: SlackEmulator) -> None:
        super().__init__(emulator=emulator)
        self.body = b""

    async def _form(
        self, fields: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        self.body = urlencode(fields).encode()
        return httpx.Response(200)

    async def _interaction(self, payload: JsonDict) -> httpx.Response:
        return await self._form({"payload": json.dumps(payload)})


@dataclass
class Incident:
    channel: str
    card_ts: str
    checklist_ts: str
    checklist_block: str
    checklist_value: str
    ticked: bool = False


@dataclass
class Results:
    latencies: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)

    def add(self, app: str, kind: str, seconds: float, status: int) -> None:
        self.latencies.setdefault((app, kind), []).append(seconds)
        counts = self.statuses.setdefault(app, {})
        counts[status] = counts.get(status, 0) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def post(http: httpx.AsyncClient, body: bytes) -> tuple[float, int]:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(SECRET, stamp, body),
    }
    started = time.perf_counter()
    response = await http.post("/slack/events", content=body, headers=headers)
    return time.perf_counter() - started, response.status_code


async def until(check: Callable[[], Any], what: str, within_s: float = 60.0) -> Any:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise SystemExit(f"set-up: timed out waiting for {what}")


async def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"{url} exited at start-up; its log: {log}")
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit(f"{url} did not become healthy; its log: {log}")


def find_checklist(emulator: SlackEmulator, channel: str) -> tuple[str, str, str] | None:
    for message in emulator.messages(channel):
        for block in message.blocks:
            for element in [block.get("accessory") or {}, *block.get("elements", [])]:
                if element.get("action_id") == "checklist_toggle":
                    return message.ts, block["block_id"], element["options"][0]["value"]
    return None


def views_of(emulator: SlackEmulator, user: str, title_has: str = "") -> list[str]:
    return [v.id for v in emulator.open_views(user) if title_has.lower() in v.title.lower()]


async def declare(emulator: SlackEmulator, http: httpx.AsyncClient, general: str) -> Incident:
    driver = Capture(emulator)
    known = {c.id for c in emulator.channels}
    before = set(views_of(emulator, ALICE))
    await driver.slash("open Answers cite retired policies", user=ALICE, channel=general)
    await post(http, driver.body)
    [view] = await until(lambda: set(views_of(emulator, ALICE)) - before, "the declare modal")
    await driver.submit_view(view, DECLARE, user=ALICE)
    await post(http, driver.body)
    channel = await until(
        lambda: next((c.id for c in emulator.channels if c.id not in known and not c.is_im), None),
        "the incident channel",
    )
    card = await until(lambda: emulator.pins(channel), "the pinned card")
    found = await until(lambda: find_checklist(emulator, channel), "the checklist")
    return Incident(channel, card[0].ts, *found)


async def open_declare_views(
    emulator: SlackEmulator, http: httpx.AsyncClient, general: str, count: int
) -> list[str]:
    driver = Capture(emulator)
    before = set(views_of(emulator, BOB))
    for _ in range(count):
        await driver.slash("open Refusals spiked", user=BOB, channel=general)
        await post(http, driver.body)
    return list(
        await until(
            lambda: (new := set(views_of(emulator, BOB)) - before) and len(new) >= count and new,
            "the declare modals for the submissions",
        )
    )


def builder(
    emulator: SlackEmulator, incidents: list[Incident], general: str, submit_views: list[str]
) -> Callable[[str, int], Awaitable[bytes]]:
    async def build(kind: str, n: int) -> bytes:
        driver = Capture(emulator)
        incident = incidents[n % len(incidents)]
        if kind == "open":
            await driver.slash("open Tool calls time out", user=ALICE, channel=general)
        elif kind == "update":
            await driver.slash("update", user=ALICE, channel=incident.channel)
        elif kind == "status":
            await driver.slash("status", user=BOB, channel=incident.channel)
        elif kind == "log":
            await driver.slash(f"log x {n}", user=BOB, channel=incident.channel)
        elif kind == "post_update":
            await driver.click(
                "card_post_update", user=ALICE, channel=incident.channel, message=incident.card_ts
            )
        elif kind == "tick":
            incident.ticked = not incident.ticked
            await driver.click(
                "checklist_toggle",
                user=BOB,
                channel=incident.channel,
                message=incident.checklist_ts,
                block_id=incident.checklist_block,
                selected_options=[incident.checklist_value] if incident.ticked else [],
            )
        elif kind == "declare_submit":
            await driver.submit_view(submit_views.pop(), DECLARE, user=BOB)
        else:
            raise ValueError(kind)
        return driver.body

    return build


async def load(
    build: Callable[[str, int], Awaitable[bytes]],
    apps: dict[str, httpx.AsyncClient],
    rounds: int,
    concurrency: int,
    results: Results | None,
) -> None:
    """`rounds` of every kind to both apps, interleaved, `concurrency` in flight per app."""
    gates = {app: asyncio.Semaphore(concurrency) for app in apps}
    tasks: list[asyncio.Task[None]] = []

    async def one(app: str, kind: str, body: bytes) -> None:
        try:
            seconds, status = await post(apps[app], body)
        finally:
            gates[app].release()
        if results is not None:
            results.add(app, kind, seconds, status)

    n = 0
    for _ in range(rounds):
        for kind in KINDS:
            n += 1
            body: bytes | None = None
            for app in apps:
                await gates[app].acquire()
                # The bot's body is built once its slot is free, so its trigger_id is fresh;
                # the bare app acks the same body (it never uses the trigger).
                body = body or await build(kind, n)
                tasks.append(asyncio.create_task(one(app, kind, body)))
    await asyncio.gather(*tasks)


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(results: Results, calls: list[Any], label: str) -> None:
    print(f"\n== {label}: ack latency, ms (bot vs bare ack-only Bolt app) ==")
    print(
        f"{'kind':<15}{'n':>5}{'bot p50':>9}{'bare p50':>9}{'ratio':>7}"
        f"{'bot p99':>9}{'bare p99':>9}{'ratio':>7}"
    )
    for kind in [*KINDS, "overall"]:
        if kind == "overall":
            bot = [s for (a, _), v in results.latencies.items() if a == "bot" for s in v]
            bare = [s for (a, _), v in results.latencies.items() if a == "bare" for s in v]
        else:
            bot = results.latencies.get(("bot", kind), [])
            bare = results.latencies.get(("bare", kind), [])
        if not bot or not bare:
            continue
        row = [quantile(bot, 0.5), quantile(bare, 0.5), quantile(bot, 0.99), quantile(bare, 0.99)]
        b50, r50, b99, r99 = (x * 1000 for x in row)
        print(
            f"{kind:<15}{len(bot):>5}{b50:>9.1f}{r50:>9.1f}{b50 / r50:>6.2f}x"
            f"{b99:>9.1f}{r99:>9.1f}{b99 / r99:>6.2f}x"
        )
    print("HTTP statuses:", {app: dict(sorted(c.items())) for app, c in results.statuses.items()})
    opens = [c for c in calls if c.method == "views.open"]
    expired = sum(1 for c in opens if c.error == "expired_trigger_id")
    print(f"views.open calls: {len(opens)}, expired_trigger_id: {expired}")


async def quiet(emulator: SlackEmulator, *, for_s: float = 2.0, at_most_s: float = 120.0) -> None:
    """Wait until the sandbox has heard nothing for `for_s` seconds."""
    deadline = time.monotonic() + at_most_s
    seen, since = len(emulator.calls), time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < for_s:
        await asyncio.sleep(0.2)
        if (now := len(emulator.calls)) != seen:
            seen, since = now, time.monotonic()


def bot_path(source: Path | None) -> dict[str, str]:
    """The environment that makes `python -m bot` import the bot from `source`."""
    return {} if source is None else {"PYTHONPATH": str(source.resolve())}


def spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


async def run(options: argparse.Namespace, work: Path, database: str) -> None:
    emulator = SlackEmulator()
    general = emulator.channel_by_name("general")
    assert general is not None
    with SandboxServer(emulator) as sandbox:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": sandbox.api_url,
            "AI_INCIDENT_DATABASE_URL": database,
        }
        ports = {"bot": free_port(), "bare": free_port()}
        logs = {app: work / f"{app}.log" for app in ports}
        processes = {
            "bot": spawn(
                [sys.executable, "-m", "bot", "serve", "--port", str(ports["bot"])],
                {**env, **bot_path(options.bot_source)},
                logs["bot"],
            ),
            "bare": spawn(
                [sys.executable, "-m", "bench.bare_bolt_app", "--port", str(ports["bare"])],
                env,
                logs["bare"],
            ),
        }
        limits = httpx.Limits(max_connections=options.concurrency * 2)
        apps = {
            app: httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60)
            for app, port in ports.items()
        }
        try:
            for app, process in processes.items():
                await wait_healthy(f"http://127.0.0.1:{ports[app]}", process, logs[app])
            incidents = [
                await declare(emulator, apps["bot"], general.id) for _ in range(options.incidents)
            ]
            submit_views = await open_declare_views(
                emulator, apps["bot"], general.id, options.rounds + options.warmup
            )
            for method in METHODS:
                emulator.delay(method, SLACK_LATENCY_S)
            build = builder(emulator, incidents, general.id, submit_views)
            await load(build, apps, options.warmup, options.concurrency, None)
            await asyncio.sleep(1.0)
            calls_before = len(emulator.calls)
            results = Results()
            await load(build, apps, options.rounds, options.concurrency, results)
            # The work behind the acks goes on; a modal opened late is only seen once it is done.
            await quiet(emulator)
            label = "PostgreSQL" if options.postgres else "SQLite"
            if options.bot_source is not None:
                label += f", bot from {options.bot_source}"
            report(results, emulator.calls[calls_before:], label)
            print(f"logs: {work}")
        finally:
            for client in apps.values():
                await client.aclose()
            for process in processes.values():
                process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds of every request kind")
    parser.add_argument("--warmup", type=int, default=3, help="rounds sent before measuring")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight per app")
    parser.add_argument("--incidents", type=int, default=3, help="incidents the commands act on")
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database")
    parser.add_argument(
        "--bot-source",
        metavar="DIR",
        type=Path,
        help="run the bot from this checkout (e.g. a worktree of main, for the BEFORE figures)",
    )
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ack-latency-"))
    database = options.postgres or f"sqlite:///{work / 'bot.db'}"
    env = {**os.environ, "AI_INCIDENT_DATABASE_URL": database, **bot_path(options.bot_source)}
    upgrade = [sys.executable, "-m", "bot", "db", "upgrade"]
    subprocess.run(upgrade, env=env, check=True, stdout=subprocess.DEVNULL)
    asyncio.run(run(options, work, database))


if __name__ == "__main__":
    main()
