"""How long the "what changed" digest takes over a change ledger of 100,000 changes (SQLite).

Run from the repository root: `python -m bench.digest_query [--changes N] [--runs N]`.

Two ledgers, each in a fresh SQLite file built with the real migrations:

- *a year of changes*: N changes over 365 days, 40 AI features plus provider-wide changes,
  prompt edits the most frequent kind — what a busy organisation's ledger looks like;
- *a flooded week*: all N changes inside the digest's window and the incident's feature — the
  worst case, e.g. a CI job recording every prompt tweak.

For each it times the digest an incident opens with, end to end — the ledger reads
(ledger_digest.read_digest, in its own transaction), build_digest, and the Block Kit
message (bot.slack.messages.changes) serialised as Slack receives it — and prints min / median / max
over several runs. For contrast it times the naive way too (read every change in the window,
then build_digest). It ends with SQLite's EXPLAIN QUERY PLAN for each statement the digest ran,
so the indexes in use can be seen. Timings are printed, never asserted. Target: well under a
second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.changes.digest import build_digest, digest_window
from bot.core.changes.ledger_digest import digest_services, read_digest
from bot.core.changes.model import Change, ChangeKind
from bot.core.incidents.model import Category, Incident, Severity
from bot.slack.messages.changes import digest_blocks
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import ChangeEventRow, change_event_values
from storage.unit_of_work import SqlUnitOfWorkFactory

NOW = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)
REGRESSION_START = NOW - timedelta(days=3)
FEATURE = "legal-research-rag"
KINDS = list(ChangeKind)
# Prompt edits dominate real ledgers; traffic and judge changes are rare.
KIND_WEIGHTS = [6, 40, 4, 8, 3, 5, 30, 4]
OTHER_FEATURES = [f"feature-{n:02d}" for n in range(39)]
INSERT_CHUNK = 5000


def incident() -> Incident:
    return Incident(
        number=1,
        title="Research assistant cites cases that do not exist",
        severity=Severity.S1,
        category=Category.USER_VISIBLE_REGRESSION,
        ai_feature=FEATURE,
        channel_id="C0BENCH",
        regression_started_at=REGRESSION_START,
        declared_at=NOW,
    )


def a_year(size: int, rng: random.Random) -> list[Change]:
    features: list[str | None] = [FEATURE, *OTHER_FEATURES, None, None, None, None]
    return [
        _change(
            index,
            kind=rng.choices(KINDS, KIND_WEIGHTS)[0],
            service=rng.choice(features),
            occurred_at=NOW - timedelta(seconds=rng.randrange(365 * 24 * 3600)),
        )
        for index in range(size)
    ]


def a_flooded_week(size: int, rng: random.Random) -> list[Change]:
    window = int(timedelta(days=7).total_seconds())
    return [
        _change(
            index,
            kind=rng.choices(KINDS, KIND_WEIGHTS)[0],
            service=FEATURE,
            occurred_at=REGRESSION_START - timedelta(seconds=rng.randrange(window)),
        )
        for index in range(size)
    ]


def _change(index: int, *, kind: ChangeKind, service: str | None, occurred_at: datetime) -> Change:
    return Change(
        source="bench-ci",
        external_id=f"change-{index}",
        kind=kind,
        occurred_at=occurred_at,
        service=service,
        summary=f"change number {index}",
        before=f"v{index}",
        after=f"v{index + 1}",
        url=f"https://ci.example.com/runs/{index}",
        actor="deploy-bot",
        attributes={"gen_ai.request.model": "gpt-4o-2024-11-20"},
    )


async def fill(engine: AsyncEngine, changes: list[Change]) -> float:
    started = time.perf_counter()
    rows = [change_event_values(change, recorded_at=NOW) for change in changes]
    async with engine.begin() as connection:
        for offset in range(0, len(rows), INSERT_CHUNK):
            await connection.execute(insert(ChangeEventRow), rows[offset : offset + INSERT_CHUNK])
        await connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


@dataclass
class Statements:
    """The SQL the digest sent, captured so its query plans can be shown."""

    seen: list[tuple[str, Any]] = field(default_factory=list)
    recording: bool = False

    def __call__(self, conn: Any, cursor: Any, sql: str, params: Any, *args: Any) -> None:
        if self.recording and sql.lstrip().upper().startswith("SELECT"):
            self.seen.append((sql, params))


async def timed(runs: int, work: Callable[[], Awaitable[object]]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return times


def describe(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (
        f"min {min(ms):7.1f} ms · median {statistics.median(ms):7.1f} ms · "
        f"max {max(ms):7.1f} ms  ({len(ms)} runs)"
    )


def explain(connection: Connection, statements: list[tuple[str, Any]]) -> list[str]:
    lines = []
    for sql, params in statements:
        lines.append("  " + " ".join(sql.split()))
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        lines.extend(f"      {row[-1]}" for row in plan)
    return lines


async def bench_ledger(name: str, changes: list[Change], *, runs: int, folder: Path) -> None:
    url = f"sqlite+aiosqlite:///{folder / (name.replace(' ', '-') + '.db')}"
    await upgrade(url)
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    statements = Statements()
    event.listen(engine.sync_engine, "before_cursor_execute", statements)
    try:
        fill_seconds = await fill(engine, changes)
        the_incident = incident()

        async def digest_message() -> object:
            async with uow() as tx:
                digest = await read_digest(
                    tx.changes, regression_start=REGRESSION_START, now=NOW, service=FEATURE
                )
            blocks = digest_blocks(digest, incident=the_incident)
            return json.dumps([block.to_dict() for block in blocks])

        async def naive_digest() -> object:
            since, until = digest_window(regression_start=REGRESSION_START, now=NOW)
            async with uow() as tx:
                window = await tx.changes.newest(
                    since=since, until=until, services=digest_services(FEATURE), limit=10**9
                )
            return build_digest(window, regression_start=REGRESSION_START, now=NOW, service=FEATURE)

        statements.recording = True
        cold = await timed(1, digest_message)
        statements.recording = False
        warm = await timed(runs, digest_message)
        naive = await timed(max(3, runs // 4), naive_digest)

        async with uow() as tx:
            digest = await read_digest(
                tx.changes, regression_start=REGRESSION_START, now=NOW, service=FEATURE
            )
        blocks = digest_blocks(digest, incident=the_incident)

        print(f"\n== {name}: {len(changes):,} changes (inserted in {fill_seconds:.1f} s) ==")
        print(
            f"digest window: {digest.total:,} changes for {FEATURE} or every feature; "
            f"{digest.shown} shown in {len(blocks)} blocks, {digest.hidden:,} summarised"
        )
        print(f"digest (query + build + Block Kit), first run: {describe(cold)}")
        print(f"digest (query + build + Block Kit), warm:      {describe(warm)}")
        print(f"naive (read the whole window + build):         {describe(naive)}")
        print(f"statements per digest: {len(statements.seen)}; their query plans:")
        async with engine.connect() as connection:
            plan = await connection.run_sync(explain, statements.seen)
        print("\n".join(plan))
    finally:
        await engine.dispose()


async def main_async(size: int, runs: int) -> None:
    rng = random.Random(20250603)
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder:
        await bench_ledger("a year of changes", a_year(size, rng), runs=runs, folder=Path(folder))
        await bench_ledger(
            "a flooded week", a_flooded_week(size, rng), runs=runs, folder=Path(folder)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main_async(args.changes, args.runs))


if __name__ == "__main__":
    main()
