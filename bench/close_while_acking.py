"""Does closing a 100,000-event incident keep other people's commands waiting?

Run from the repository root: `python -m bench.close_while_acking [--events N] [--rounds N]
[--baseline REF]`. Each round starts the real app (`build_runtime`, the same assembly `serve`
uses, driven over signed HTTP through httpx's ASGI transport, with the Slack sandbox answering
its Web API calls) on a fresh SQLite file; declares an incident; seeds its timeline with N
events by bulk insert; opens the close modal; then submits it, closing the incident through
the real path (view submission -> listener -> PostmortemService.close -> compile -> store ->
the projector posts the postmortem), while another task types `/ai-incident help` every 20 ms.
Each help's ack is timed from the moment it was due to be sent, so a blocked event loop shows
as waiting even when it also delayed the sending. Prints the helps' p50/p99/max ack during the
close and the close's duration (submit to everything settled). With `--baseline REF` the rounds
alternate between REF's code and this tree's in worker processes, and both are printed.
Issue 15's target: p99 under 300 ms. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PROBE_EVERY = 0.020
ALICE = "U0ALICE"
KINDS = ["slack_message"] * 6 + ["note", "update", "model_change", "index_change"]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _seed(database_url: str, number: int, events: int) -> None:
    """`events` timeline lines for incident `number`, inserted in bulk (not through the app)."""
    from sqlalchemy import insert

    from storage.engine import create_engine
    from storage.models import TimelineEventRow

    engine = create_engine(database_url)
    start = datetime.now(UTC) - timedelta(days=3)
    rows: list[dict[str, Any]] = [
        {
            "incident_number": number,
            "occurred_at": start + timedelta(seconds=2 * i),
            "recorded_at": start + timedelta(seconds=2 * i + 1),
            "kind": KINDS[i % len(KINDS)],
            "axis": None,
            "actor": f"U0{i % 7}RESPONDER",
            "source": "slack",
            "summary": f"Event {i}: refusal rate on slice {i % 13} | see the log",
            "details": {},
            "permalink": f"https://example.slack.com/archives/C042/p{1714550400 + i}",
            "dedupe_key": None,
        }
        for i in range(events)
    ]
    async with engine.begin() as connection:
        for chunk in range(0, len(rows), 5_000):
            await connection.execute(insert(TimelineEventRow), rows[chunk : chunk + 5_000])
    await engine.dispose()


async def one_round(events: int) -> dict[str, Any]:
    from bot.demo.rehearsal import rehearsal
    from slack_sandbox import SlackEmulator

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        emulator = SlackEmulator()
        async with rehearsal(database_url=url, emulator=emulator) as rig:
            general = emulator.channel_by_name("general")
            assert general is not None
            await rig.slack.slash("open Refusal swing", user=ALICE, channel=general.id)
            await rig.slack.settle()
            view = emulator.open_views(ALICE)[-1]
            fields = {"severity": "S2", "category": "user_visible_regression"}
            await rig.slack.submit_view(view.id, fields, user=ALICE)
            await rig.slack.settle()
            incident = max(
                await rig.runtime.deps.incidents.list_open(), key=lambda i: i.number or 0
            )
            assert incident.number is not None and incident.channel_id is not None
            await _seed(url, incident.number, events)
            channel = incident.channel_id

            await rig.slack.slash("close", user=ALICE, channel=channel)
            await rig.slack.settle()
            close_view = emulator.open_views(ALICE)[-1]

            acks: list[float] = []
            stop = asyncio.Event()

            async def probe(due: float) -> None:
                response = await rig.slack.slash("help", user=ALICE, channel=general.id)
                assert response.status_code == 200
                acks.append(time.perf_counter() - due)

            async def prober() -> None:
                probes = []
                first = time.perf_counter()
                n = 0
                while not stop.is_set():
                    due = first + n * PROBE_EVERY
                    probes.append(asyncio.create_task(probe(due)))
                    n += 1
                    await asyncio.sleep(max(0.0, first + n * PROBE_EVERY - time.perf_counter()))
                await asyncio.gather(*probes)

            probing = asyncio.create_task(prober())
            await asyncio.sleep(0.2)  # some acks of an idle app first
            started = time.perf_counter()
            answer = await rig.slack.submit_view(
                close_view.id,
                {"summary": "Rolled back the model.", "close_anyway": ["close_anyway"]},
                user=ALICE,
            )
            # Closed, postmortem stored (one transaction), and the closing notice posted. Not
            # `settle`: the helps keep starting work, so it would never be over.
            deps = rig.runtime.deps
            while (await deps.incidents.get(incident.number)).closed_at is None or not any(
                "is closed" in message.text for message in emulator.messages(channel)
            ):
                assert time.perf_counter() - started < 600, "not closed in 10 minutes"
                await asyncio.sleep(0.05)
            closed_in = time.perf_counter() - started
            stop.set()
            await probing
            assert answer.status_code == 200
            await rig.slack.settle(timeout=600)
    return {"acks": acks, "close": closed_in}


def _worker(tree: Path, events: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, __file__, "--worker", str(events)]
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _checkout(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", help="a git ref to measure side by side")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        print(json.dumps(asyncio.run(one_round(args.worker))))
        return

    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"this tree": here}
        if args.baseline:
            trees = {args.baseline: _checkout(args.baseline, Path(scratch)), "this tree": here}
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                results[name].append(_worker(tree, args.events))
        print(f"close of a {args.events:,}-event incident while `help` is typed every 20 ms")
        print(f"({args.rounds} round(s) each, interleaved; acks timed from when each was due)")
        print(f"{'':>12}{'helps':>8}{'ack p50':>12}{'ack p99':>12}{'ack max':>12}{'close':>12}")
        for name, rounds in results.items():
            acks = [ack for one in rounds for ack in one["acks"]]
            close = statistics.median(one["close"] for one in rounds)
            print(
                f"{name:>12}{len(acks):>8}{_percentile(acks, 0.5) * 1000:>9.0f} ms"
                f"{_percentile(acks, 0.99) * 1000:>9.0f} ms{max(acks) * 1000:>9.0f} ms"
                f"{close:>10.2f} s"
            )


if __name__ == "__main__":
    main()
