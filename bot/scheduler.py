"""The ticks: APScheduler runs a few short jobs per process; the database decides.

No job is scheduled per item or per incident — the reminder tick asks the core what is due, and
the projector's sweep asks the outbox what waits, so closing an incident or owning an item needs
no job to be cleaned up, and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

Job = Callable[[], Awaitable[object]]


def start_ticks(jobs: dict[str, tuple[Job, float]]) -> AsyncIOScheduler | None:
    """Start each job (name: (job, every_seconds); 0 seconds leaves it off) now — what fell due
    while the process was down happens at once — and every so often after; a slow run is never
    doubled by the next."""
    wanted = {name: (job, every) for name, (job, every) in jobs.items() if every > 0}
    if not wanted:
        return None
    scheduler = AsyncIOScheduler(timezone=UTC)
    for name, (job, every) in wanted.items():
        scheduler.add_job(
            job,
            "interval",
            seconds=every,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            id=name,
        )
    scheduler.start()
    return scheduler
