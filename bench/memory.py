"""Memory of `ai-incident serve`: idle RSS after start, and RSS after its 100k-event postmortem.

Run from the repository root:

    python -m bench.memory [--events 100000] [--runs 3] [--against DIR]

Each run starts `serve` (a Slack sandbox, an upgraded SQLite file), waits for /healthz and a
few quiet seconds, and reads the process's resident set (VmRSS) — the idle figure. It then opens
an incident through the REST API, bulk-inserts `--events` timeline events for it straight into
the database (the bench process, through the storage layer), has the running bot compile that
incident's postmortem through GET /api/v1/incidents/N/postmortem.md (the compile a close runs;
closing itself goes through a Slack modal), and reads VmRSS again plus the peak (VmHWM).
`--against DIR` runs another tree the same way, interleaved. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench._serving import (
    API_TOKEN,
    HERE,
    environment,
    run_command,
    sandbox,
    serve_settings,
    serving,
)
from bot.core.timeline import Axis, TimelineEvent, TimelineKind
from storage.engine import create_engine, create_session_factory
from storage.unit_of_work import SqlUnitOfWorkFactory

SETTLE_SECONDS = 3.0  # after /healthz: start-up work (ticks, the first sweep) has run
KINDS = [TimelineKind.SLACK_MESSAGE] * 6 + [
    TimelineKind.NOTE,
    TimelineKind.UPDATE,
    TimelineKind.MODEL_CHANGE,
    TimelineKind.INDEX_CHANGE,
]


def memory_of(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found


async def seed(url: str, number: int, events: int) -> None:
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    start = datetime.now(UTC) - timedelta(days=3)
    chunk = 10_000
    try:
        for first in range(0, events, chunk):
            batch = []
            for i in range(first, min(first + chunk, events)):
                kind = KINDS[i % len(KINDS)]
                batch.append(
                    TimelineEvent(
                        incident_number=number,
                        occurred_at=start + timedelta(seconds=i),
                        recorded_at=start + timedelta(seconds=i),
                        kind=kind,
                        axis=Axis.MODEL if kind is TimelineKind.MODEL_CHANGE else None,
                        actor=f"U0{i % 40:03d}",
                        summary=f"event {i}: the assistant cited case {i % 997} again",
                        details={"n": i},
                        dedupe_key=f"bench:{i}",
                    )
                )
            async with uow() as tx:
                await tx.timeline.add_many(events=batch)
    finally:
        await engine.dispose()


def one_run(tree: Path, events: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder, sandbox() as slack:
        cwd = Path(folder)
        url = f"sqlite:///{cwd / 'bench.db'}"
        env = environment(tree, serve_settings(slack, url))
        run_command(tree, ["db", "upgrade"], env, cwd)
        bearer = {"Authorization": f"Bearer {API_TOKEN}"}
        with serving(tree, env, cwd) as served, httpx.Client(timeout=600) as client:
            time.sleep(SETTLE_SECONDS)
            idle = memory_of(served.process.pid)["VmRSS"]
            opened = client.post(
                f"{served.base_url}/api/v1/incidents",
                json={"title": "bench: a long incident", "ai_feature": "bench"},
                headers=bearer,
            )
            if opened.status_code != 201:
                raise SystemExit(f"opening the incident answered {opened.status_code}")
            number = opened.json()["number"]
            asyncio.run(seed(f"sqlite+aiosqlite:///{cwd / 'bench.db'}", number, events))
            started = time.perf_counter()
            compiled = client.get(
                f"{served.base_url}/api/v1/incidents/{number}/postmortem.md", headers=bearer
            )
            took = time.perf_counter() - started
            if compiled.status_code != 200:
                raise SystemExit(f"the postmortem answered {compiled.status_code}")
            time.sleep(1.0)
            after = memory_of(served.process.pid)
    return {"idle": idle, "after": after["VmRSS"], "peak": after["VmHWM"], "compile": took}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--against", metavar="DIR", type=Path)
    args = parser.parse_args()
    trees = {"this tree": HERE}
    if args.against is not None:
        trees[f"against ({args.against})"] = args.against.resolve()
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for number in range(args.runs):
        for name, tree in trees.items():
            got = one_run(tree, args.events)
            figures[name].append(got)
            print(
                f"run {number + 1} {name}: idle {got['idle']:.0f} MiB, after the"
                f" {args.events:,}-event postmortem {got['after']:.0f} MiB"
                f" (peak {got['peak']:.0f} MiB, compile over HTTP {got['compile']:.1f} s)"
            )
    print("medians:")
    for name, runs in figures.items():
        med = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        print(
            f"  {name:40} idle RSS {med['idle']:6.0f} MiB   after {med['after']:6.0f} MiB"
            f"   peak {med['peak']:6.0f} MiB   compile {med['compile']:.1f} s"
        )


if __name__ == "__main__":
    main()
