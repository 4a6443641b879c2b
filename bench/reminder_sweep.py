"""How long one reminder sweep takes over 100,000 action items of which 1,000 are due (SQLite).

Prints the cold sweep (find what is due), the full first tick (claim, "send" through a no-op
notifier and mark sent, one occurrence after the other) and the steady-state tick once everything
due was sent — the cost every 30-second tick pays. Run: `python -m bench.reminder_sweep`.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bot.core.incidents.model import Category, Severity
from bot.core.reminders.rules import DueReminder
from bot.core.reminders.service import ReminderService
from bot.core.runbooks.loader import load_catalog
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import ActionItemRow, IncidentRow
from storage.unit_of_work import SqlUnitOfWorkFactory

ITEMS = 100_000
DUE_UNOWNED = 500
DUE_OVERDUE = 500
INCIDENTS = 1_000
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


class NoSlack:
    async def send_reminder(self, *, reminder: DueReminder) -> str:
        return "1.0"


def incident_rows() -> list[dict[str, object]]:
    declared = NOW - timedelta(days=3)
    return [
        {
            "number": n,
            "title": f"Incident {n}",
            "severity": Severity.S3.value,  # S3: no stale-update nudges, items only
            "category": Category.SILENT_DRIFT.value,
            "phase": "post-incident",
            "status": "open",
            "runbook": "default",
            "channel_id": f"C{n:08d}",
            "declared_at": declared,
        }
        for n in range(1, INCIDENTS + 1)
    ]


def item_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i in range(ITEMS):
        unowned = i < DUE_UNOWNED
        overdue = DUE_UNOWNED <= i < DUE_UNOWNED + DUE_OVERDUE
        rows.append(
            {
                "incident_number": i % INCIDENTS + 1,
                "category": "eval_set",
                "title": f"Item {i}",
                "owner_id": None if unowned else f"U{i % 50:05d}",
                "due": date(2026, 11, 1) if overdue else date(2026, 12, 31),
                "status": "open",
                "created_at": NOW - timedelta(days=2),
            }
        )
    return rows


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade(url)
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(insert(IncidentRow), incident_rows())
            await connection.execute(insert(ActionItemRow), item_rows())
        service = ReminderService(
            uow=SqlUnitOfWorkFactory(create_session_factory(engine)),
            notifier=NoSlack(),
            catalog=load_catalog(None),
            claimant="bench",
            clock=FixedClock(),
        )
        started = time.perf_counter()
        due = await service.due()
        cold = time.perf_counter() - started
        print(f"items: {ITEMS:,}, due: {len(due):,}")
        print(f"cold sweep (find {len(due):,} due): {cold * 1000:.0f} ms")

        started = time.perf_counter()
        sent = await service.tick()
        print(
            f"first full tick (claim, send, mark sent {sent:,}): "
            f"{(time.perf_counter() - started) * 1000:.0f} ms"
        )

        runs = []
        for _ in range(7):
            started = time.perf_counter()
            again = await service.tick()
            runs.append(time.perf_counter() - started)
            assert again == 0, "everything due was sent; nothing may be sent twice"
        print(
            f"steady tick (all sent), median of {len(runs)}: "
            f"{statistics.median(runs) * 1000:.0f} ms (min {min(runs) * 1000:.0f} ms)"
        )
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
