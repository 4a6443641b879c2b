"""Planned misbehaviour: answers the emulator gives instead of, or after, doing the work.

A test arms a fault (`fail` / `fail_randomly` / `delay` on the emulator) to see the app survive
what Slack does on a bad day: HTTP 429 with Retry-After, 5xx, an `ok: false` error, or a slow
answer. Faults armed with `fail` are consumed in the order they were armed and come before any
random failure; a delay can apply to every call or a number of calls.

A failure marked `after_work` is the ambiguous kind: Slack did the work (the message is posted,
the channel exists) but the answer never reached the app, as with a timeout after the server
committed. The app cannot tell it from a failure before the work, which is the point.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One planned failing answer: an HTTP status (429/5xx) or an `ok: false` Slack error.

    `after_work`: the emulator performs the method first and then answers with this failure.
    """

    status: int
    error: str
    retry_after: int | None = None
    after_work: bool = False


@dataclass
class _Delay:
    seconds: float
    remaining: int | None


@dataclass(frozen=True)
class _RandomFailures:
    rate: float
    methods: frozenset[str] | None
    statuses: tuple[int, ...]
    retry_after: int
    after_work_share: float
    rng: random.Random

    def applies_to(self, method: str) -> bool:
        return self.methods is None or method in self.methods


def _http_failure(status: int, *, error: str | None, retry_after: int) -> Failure:
    if status == 429:
        return Failure(status=429, error=error or "ratelimited", retry_after=retry_after)
    if 500 <= status <= 599:
        return Failure(status=status, error=error or "internal_error")
    raise ValueError(f"status must be 429 or 5xx, not {status}; use error= for ok:false")


def _share(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value}")
    return value


class FaultPlan:
    """Thread-safe: tests arm faults from their thread while the server thread consumes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[Failure]] = {}
        self._delays: dict[str, _Delay] = {}
        self._random: _RandomFailures | None = None

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
        after_work: bool = False,
    ) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        if error is not None and status is None:
            failure = Failure(status=200, error=error)
        else:
            failure = _http_failure(
                429 if status is None else status, error=error, retry_after=retry_after
            )
        if after_work:
            # Slack refuses a rate-limited call before doing anything, and an `ok: false` answer
            # is the answer to the work itself; only a server error can hide work that was done.
            if not 500 <= failure.status <= 599:
                raise ValueError("after_work needs a 5xx status: only those can hide done work")
            failure = Failure(status=failure.status, error=failure.error, after_work=True)
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            queue.extend([failure] * times)

    def fail_randomly(
        self,
        rate: float,
        *,
        seed: int,
        methods: Iterable[str] | None = None,
        statuses: Iterable[int] = (500, 429),
        retry_after: int = 1,
        after_work_share: float = 0.0,
    ) -> None:
        chosen = tuple(statuses)
        if not chosen:
            raise ValueError("statuses must name at least one status")
        for status in chosen:
            _http_failure(status, error=None, retry_after=retry_after)
        plan = _RandomFailures(
            rate=_share("rate", rate),
            methods=None if methods is None else frozenset(methods),
            statuses=chosen,
            retry_after=retry_after,
            after_work_share=_share("after_work_share", after_work_share),
            rng=random.Random(seed),
        )
        with self._lock:
            self._random = plan

    def delay(self, method: str, seconds: float, *, times: int | None = None) -> None:
        """Answer `method` `seconds` late, for the next `times` calls (None: until cleared)."""
        with self._lock:
            if seconds <= 0:
                self._delays.pop(method, None)
            else:
                self._delays[method] = _Delay(seconds=seconds, remaining=times)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()
            self._delays.clear()
            self._random = None

    def next_failure(self, method: str) -> Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            if queue:
                return queue.popleft()
            plan = self._random
            if plan is None or not plan.applies_to(method):
                return None
            return self._draw(plan)

    @staticmethod
    def _draw(plan: _RandomFailures) -> Failure | None:
        # Every draw happens under the plan's lock, so one seed gives one sequence of outcomes
        # for one sequence of calls, whichever threads make them.
        if plan.rng.random() >= plan.rate:
            return None
        failure = _http_failure(
            plan.rng.choice(plan.statuses), error=None, retry_after=plan.retry_after
        )
        if failure.status != 429 and plan.rng.random() < plan.after_work_share:
            return Failure(status=failure.status, error=failure.error, after_work=True)
        return failure

    def next_delay(self, method: str) -> float:
        with self._lock:
            planned = self._delays.get(method)
            if planned is None:
                return 0.0
            if planned.remaining is not None:
                planned.remaining -= 1
                if planned.remaining <= 0:
                    del self._delays[method]
            return planned.seconds
