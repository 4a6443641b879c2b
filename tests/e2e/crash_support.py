"""Killing the app like `kill -9` at a chosen Slack call or commit, in-process, and checking what
a user would find in Slack afterwards.

`ProcessKilled` derives from BaseException: the projector and the request guard catch only
Exception, so it unwinds everything like a dead process would — the transaction in flight rolls
back, nothing is postponed, the lease is not released. The runtime that raised it is then
abandoned, never used again; a fresh runtime on the same database and sandbox recovers.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.runtime import Runtime
from bot.slack.effects import EFFECT_EVENT_TYPE
from slack_sandbox import SlackEmulator
from slack_sandbox.state import Message
from storage.models import OutboxEventRow

# What the emulator calls the raw POST of a file's bytes (files_upload_v2's second step).
FILE_UPLOAD = "file_upload"

When = Literal["before", "after"]


class ProcessKilled(BaseException):
    """The process died here (kill -9): nothing after this point ran."""


@dataclass(frozen=True)
class CrashPoint:
    """The `occurrence`-th call of `method`, killed before it is sent or after Slack answered
    (Slack did the work; the app never learnt of it)."""

    method: str
    occurrence: int
    when: When

    def __str__(self) -> str:
        return f"{self.when} {self.method} #{self.occurrence}"


def crash_points(methods: list[str]) -> list[CrashPoint]:
    """Every call of a recorded flow, killed before and after."""
    seen: Counter[str] = Counter()
    points: list[CrashPoint] = []
    for method in methods:
        seen[method] += 1
        points += [CrashPoint(method, seen[method], when) for when in ("before", "after")]
    return points


class SlackTap:
    """Wraps the runtime's Slack client for effects (the one the projector's notifiers use):
    records the methods called while `recording`, and kills the process at `crash_at`."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.methods: list[str] = []
        self.recording = False
        self.crash_at: CrashPoint | None = None
        self.killed = False
        self.started: dict[str, asyncio.Event] = {}
        self.held: dict[str, asyncio.Event] = {}
        self._counts: Counter[str] = Counter()
        api_call = client.api_call
        upload = client._upload_file

        async def tapped_api_call(api_method: str, **kwargs: Any) -> Any:
            return await self._call(api_method, lambda: api_call(api_method, **kwargs))

        async def tapped_upload(**kwargs: Any) -> Any:
            return await self._call(FILE_UPLOAD, lambda: upload(**kwargs))

        client.api_call = tapped_api_call  # type: ignore[method-assign]
        client._upload_file = tapped_upload  # type: ignore[method-assign]

    def arm(self, point: CrashPoint | None) -> None:
        """Record from now on, counting calls afresh; kill the process at `point`."""
        self.crash_at = point
        self.killed = False
        self.methods = []
        self._counts = Counter()
        self.recording = True

    def when_started(self, method: str) -> asyncio.Event:
        """Set as soon as `method` is called (before Slack answers)."""
        return self.started.setdefault(method, asyncio.Event())

    def hold(self, method: str) -> asyncio.Event:
        """Keep the next calls of `method` from being sent until the returned event is set:
        the app is caught mid-step for as long as the test needs, not for a guessed delay."""
        return self.held.setdefault(method, asyncio.Event())

    async def _call(self, method: str, send: Callable[[], Awaitable[Any]]) -> Any:
        if not self.recording:
            return await send()
        self.methods.append(method)
        self._counts[method] += 1
        if method in self.started:
            self.started[method].set()
        if method in self.held:
            await self.held[method].wait()
        point = self.crash_at
        hit = (
            point is not None
            and not self.killed
            and point.method == method
            and point.occurrence == self._counts[method]
        )
        if hit and point is not None and point.when == "before":
            self.killed = True
            raise ProcessKilled(str(point))
        answer = await send()
        if hit:
            self.killed = True
            raise ProcessKilled(str(point))
        return answer


def stop_kicks(runtime: Runtime) -> None:
    """No projector run after each commit: the test drives `projector.drain()` itself."""
    runtime.deps.outbox.uow.on_events = None  # type: ignore[attr-defined]


class CommitTap:
    """Kills the process at the commit of the transaction that queues `kind` (before it, or
    right after it, before anything else ran)."""

    def __init__(self, runtime: Runtime, kind: str) -> None:
        self.when: When | None = None
        self.killed = False
        factory = runtime.deps.outbox.uow
        make_session = factory._session_factory  # type: ignore[attr-defined]

        def session() -> AsyncSession:
            made: AsyncSession = make_session()
            commit = made.commit

            async def tapped_commit() -> None:
                queued = any(
                    isinstance(row, OutboxEventRow) and row.kind == kind
                    for row in [*made.new, *made.identity_map.values()]
                )
                when = self.when if queued and not self.killed else None
                if when == "before":
                    self.killed = True
                    raise ProcessKilled(f"before the commit queueing {kind}")
                await commit()
                if when == "after":
                    self.killed = True
                    raise ProcessKilled(f"after the commit queueing {kind}")

            made.commit = tapped_commit  # type: ignore[method-assign]
            return made

        factory._session_factory = session  # type: ignore[attr-defined]


# -- what a user finds in Slack ------------------------------------------------------------------


def effect_of(message: Message) -> str | None:
    metadata = message.metadata or {}
    if metadata.get("event_type") != EFFECT_EVENT_TYPE:
        return None
    effect = (metadata.get("event_payload") or {}).get("effect")
    return str(effect) if effect else None


def posted_by_step(messages: list[Message], step: str) -> list[Message]:
    """The messages a projector step (e.g. `runbook.checklist`) posted, whatever the event."""
    return [m for m in messages if (effect_of(m) or "").endswith(f":{step}")]


def twice(items: Iterator[str] | list[str]) -> dict[str, int]:
    return {item: n for item, n in Counter(items).items() if n > 1}


def incident_channels(emulator: SlackEmulator, prefix: str) -> list[str]:
    return sorted(c.name for c in emulator.channels if c.name.startswith(prefix))
