"""Wait for an app's background work: Bolt acks first and finishes in tasks of the same loop.

A test that posts a command and then looks at the emulator must first let those tasks finish;
`wait_for_new_tasks` waits for every task of the running loop that was not there at the start
(the baseline) and is not the caller, including tasks those tasks spawn.
"""

from __future__ import annotations

import asyncio

_QUIET_ROUNDS = 3


class SettleTimeout(TimeoutError):
    """The app's background work did not finish in time; the message lists what was pending."""

    def __init__(self, pending: set[asyncio.Task[object]], timeout: float) -> None:
        names = sorted(f"{t.get_name()}: {t.get_coro()!r}" for t in pending)
        super().__init__(f"{len(pending)} task(s) still running after {timeout}s: {names}")
        self.pending = pending


def current_tasks() -> set[asyncio.Task[object]]:
    return set(asyncio.all_tasks())


async def wait_for_new_tasks(baseline: set[asyncio.Task[object]], *, within: float) -> None:
    """Return when no task outside `baseline` is running; raise what any of them raised."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    me = asyncio.current_task()
    finished: set[asyncio.Task[object]] = set()

    def pending() -> set[asyncio.Task[object]]:
        return {
            t for t in asyncio.all_tasks() if t is not me and t not in baseline and not t.done()
        }

    quiet = 0
    while quiet < _QUIET_ROUNDS:
        waiting = pending()
        if not waiting:
            quiet += 1  # yield so callbacks of just-finished tasks can start follow-up tasks
            await asyncio.sleep(0)
            continue
        quiet = 0
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise SettleTimeout(waiting, within)
        done, _ = await asyncio.wait(waiting, timeout=remaining)
        finished |= done
    failures = [
        exc
        for task in finished
        if not task.cancelled()
        and (exc := task.exception()) is not None
        and isinstance(exc, Exception)
    ]
    if failures:
        raise ExceptionGroup("the app's background tasks failed", failures)
