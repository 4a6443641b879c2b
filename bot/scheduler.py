"""The reminder tick: APScheduler runs one short job per process; the database decides.

No job is scheduled per item or per incident — the tick asks the core what is due, so closing
an incident or owning an item needs no job to be cleaned up, and a restart loses nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.reminders.service import ReminderService


def start_reminders(service: ReminderService, *, every_seconds: float) -> AsyncIOScheduler:
    """Start ticking now (a reminder that fell due while the process was down goes out at
    once) and every `every_seconds` after; a slow tick is never run twice at the same time."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        service.tick,
        "interval",
        seconds=every_seconds,
        next_run_time=datetime.now(UTC),
        max_instances=1,
        coalesce=True,
        id="reminder-tick",
    )
    scheduler.start()
    return scheduler
