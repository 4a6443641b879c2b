"""The ticks: APScheduler runs a few short jobs per process; the database decides.

No job is scheduled per item or per incident — the reminder tick asks the core what is due, and
the projector's sweep asks the outbox what waits, so closing an incident or owning an item needs
no job to be cleaned up, and a restart loses nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.observability.request_id import request_scope

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
            _with_own_id(job),
            "interval",
            seconds=every,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            id=name,
        )
    scheduler.start()
    return scheduler


def _with_own_id(job: Job) -> Job:
    """Each run of a tick is one "request" in the logs: its records share an id, and an error
    reference given out during it (a reminder's failure) finds them."""

    async def run() -> object:
        with request_scope():
            return await job()

    return run
