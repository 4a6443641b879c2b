"""Wait for an app's background work: Bolt acks first and finishes in tasks of the same loop.

A test that posts a command and then looks at the emulator must first let those tasks finish.
`TaskWatch` waits for every task of the running loop that was not there at the start (the
baseline) and is not the caller, including tasks those tasks spawn, and reports the ones that
crashed, once each, so a bug in background work fails the test instead of vanishing in a log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

Task = asyncio.Task[object]

_QUIET_ROUNDS = 3


class SettleTimeout(TimeoutError):
    """The app's background work did not finish in time; the message lists what was pending."""

    def __init__(self, pending: set[Task], timeout: float) -> None:
        names = sorted(f"{t.get_name()}: {t.get_coro()!r}" for t in pending)
        super().__init__(f"{len(pending)} task(s) still running after {timeout}s: {names}")
        self.pending = pending


class TaskWatch:
    """`long_lived` names tasks that are the transport, not the work (a Socket Mode client's
    receive loop, restarted at each reconnection): they never end, so settling ignores them."""

    def __init__(self, long_lived: Callable[[Task], bool] | None = None) -> None:
        self._baseline: set[Task] | None = None
        self._seen: set[Task] = set()
        self._long_lived = long_lived or (lambda task: False)

    def start(self) -> None:
        """Take the baseline, once, from inside the loop (a no-op outside one)."""
        if self._baseline is not None:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._baseline = set(asyncio.all_tasks())

    def note_new_tasks(self) -> None:
        """Remember the tasks a request started, so their failures are reported even when they
        end before `settle` is called."""
        self._seen |= self._new_tasks()

    def _new_tasks(self) -> set[Task]:
        baseline = self._baseline or set()
        me = asyncio.current_task()
        return {
            t
            for t in asyncio.all_tasks()
            if t is not me and t not in baseline and not self._long_lived(t)
        }

    async def settle(self, within: float) -> None:
        """Return when no new task is running; raise what any of them raised."""
        self.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        quiet = 0
        while quiet < _QUIET_ROUNDS:
            running = {t for t in self._new_tasks() if not t.done()}
            self._seen |= running
            if not running:
                quiet += 1  # yield so callbacks of just-finished tasks can start follow-ups
                await asyncio.sleep(0)
                continue
            quiet = 0
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise SettleTimeout(running, within)
            await asyncio.wait(running, timeout=remaining)
        self._raise_failures()

    def _raise_failures(self) -> None:
        finished = {t for t in self._seen if t.done()}
        self._seen -= finished
        failures = [
            exc
            for task in finished
            if not task.cancelled()
            and (exc := task.exception()) is not None
            and isinstance(exc, Exception)
        ]
        if failures:
            raise ExceptionGroup("the app's background tasks failed", failures)
