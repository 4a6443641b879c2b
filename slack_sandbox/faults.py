"""Planned misbehaviour: answers the emulator gives instead of doing the work.

A test arms a fault (`fail` / `delay` on the emulator) to see the app survive what Slack does on
a bad day: HTTP 429 with Retry-After, 5xx, an `ok: false` error, or a slow answer. Faults are
consumed in the order they were armed; a delay can apply to every call or a number of calls.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """One planned failing answer: an HTTP status (429/5xx) or an `ok: false` Slack error."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass
class _Delay:
    seconds: float
    remaining: int | None


class FaultPlan:
    """Thread-safe: tests arm faults from their thread while the server thread consumes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, deque[Failure]] = {}
        self._delays: dict[str, _Delay] = {}

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
    ) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        if error is not None and status is None:
            failure = Failure(status=200, error=error)
        else:
            code = 429 if status is None else status
            if code == 429:
                failure = Failure(status=429, error=error or "ratelimited", retry_after=retry_after)
            elif 500 <= code <= 599:
                failure = Failure(status=code, error=error or "internal_error")
            else:
                raise ValueError(f"status must be 429 or 5xx, not {code}; use error= for ok:false")
        with self._lock:
            queue = self._failures.setdefault(method, deque())
            queue.extend([failure] * times)

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

    def next_failure(self, method: str) -> Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            return queue.popleft() if queue else None

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
