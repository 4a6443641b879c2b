"""The Slack projector: performs the outbox's events in Slack, exactly once, on any replica.

After a commit the unit of work kicks the projector of its own process; a periodic sweep (see
bot/scheduler.py) picks up whatever another replica left (it died, or Slack failed and the event
waits for its backoff). Per incident, events are performed in the order they were recorded, under
a lease (bot/core/outbox.py), so two replicas never work on one incident at once and a card
update never overtakes the card it updates.

Each handler does its Slack calls as named steps (`Steps.once`): a step's result is stored before
the next step starts, so a retry skips what completed; a step retried without a stored result
first looks for what it may have done (its channel by name, its message by metadata). Card
updates coalesce: of several pending `CardChanged` only the last is performed, and not at all
when the card would look the same.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from bot.core.events import Event
from bot.core.incidents.events import IncidentDeclared
from bot.core.outbox import FAILING_AFTER_ATTEMPTS, Apply, Outbox, OutboxEntry
from bot.core.postmortem.events import PostmortemCompiled

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[OutboxEntry, "Steps"], Awaitable[None]]


class LeaseLost(Exception):
    """Another replica took the incident over (this one was too slow): stop, do not touch Slack."""


class Steps:
    """The named Slack steps of one handler performing one event."""

    def __init__(self, outbox: Outbox, entry: OutboxEntry, namespace: str) -> None:
        self._outbox = outbox
        self._entry = entry
        self._namespace = namespace
        self._renewed = time.monotonic()

    @property
    def entry(self) -> OutboxEntry:
        return self._entry

    def effect(self, name: str) -> str:
        """The key that marks what step `name` posts (message metadata)."""
        return f"{self._entry.id}:{self._namespace}.{name}"

    async def once(
        self,
        name: str,
        perform: Callable[[], Awaitable[T]],
        *,
        find: Callable[[], Awaitable[T | None]] | None = None,
        apply: Callable[[T], Apply] | None = None,
    ) -> T:
        """Perform a step unless its result is stored; store the result (and what it means for
        the domain, `apply`) before returning it. On a retry, `find` is asked first whether
        the step already happened in Slack."""
        key = f"{self._namespace}.{name}"
        stored = self._entry.steps.get(key)
        if isinstance(stored, dict) and "result" in stored:
            result: T = stored["result"]
            return result
        await self._keep_lease()
        found = await find() if find is not None and self._entry.is_retry else None
        result = found if found is not None else await perform()
        await self._outbox.save_step(
            self._entry, key, {"result": result}, apply(result) if apply is not None else None
        )
        return result

    async def _keep_lease(self) -> None:
        # Renewed once a third of it is used: a slow Slack cannot let the lease lapse mid-event.
        if time.monotonic() - self._renewed < self._outbox.lease.total_seconds() / 3:
            return
        if not await self._outbox.claim(self._entry.incident_number):
            raise LeaseLost(self._entry.incident_number)
        self._renewed = time.monotonic()


class Projector:
    def __init__(
        self,
        outbox: Outbox,
        handlers: Mapping[type[Event], Sequence[tuple[str, Handler]]],
        *,
        concurrency: int = 4,
        on_failing: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.outbox = outbox
        self._handlers = handlers
        # Told once when an incident's event starts counting as failing: the events queued
        # behind it wait, so the card cannot learn of it through the outbox.
        self._on_failing = on_failing
        self._limit = asyncio.Semaphore(concurrency)
        self._task: asyncio.Task[None] | None = None
        # One drain at a time per process: two would both hold this replica's lease on an
        # incident and perform its events twice.
        self._draining = asyncio.Lock()
        self._again = False
        self.performed = 0
        self.failures = 0

    # -- scheduling -------------------------------------------------------------------------

    def kick(self, incident_numbers: set[int] | None = None) -> None:
        """Start performing what is due, in the background (no-op when already running: the
        running drain looks again before it stops)."""
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._drain_in_background(), name="slack-projector"
            )

    async def idle(self) -> None:
        """Return once the background drain (if any) has finished."""
        while self._task is not None and not self._task.done():
            await asyncio.wait({self._task})

    async def _drain_in_background(self) -> None:
        try:
            await self.drain()
        except Exception:
            log.exception("the Slack projector stopped; its next sweep resumes the work")

    async def drain(self) -> int:
        """Perform every event due now, on every incident no other replica holds; returns how
        many were performed. Events waiting for a backoff stay for a later sweep."""
        total = 0
        async with self._draining:
            self._again = True
            while self._again:
                self._again = False
                numbers = await self.outbox.due_incidents()
                done = await asyncio.gather(*(self._project_bounded(n) for n in numbers))
                total += sum(done)
                if any(done):
                    self._again = True
        return total

    async def _project_bounded(self, number: int) -> int:
        async with self._limit:
            try:
                return await self.project(number)
            except Exception:
                # One incident's trouble (its database rows, say) must not stop the others;
                # its lease lapses and a later sweep tries it again.
                log.exception("the projector could not work on incident #%s", number)
                return 0

    # -- one incident -------------------------------------------------------------------------

    async def project(self, number: int) -> int:
        """Perform the incident's pending events in order; stop at the first that fails (it is
        retried after a backoff, and what follows it waits, so order holds)."""
        if not await self.outbox.claim(number):
            return 0
        performed = 0
        entries = await self.outbox.pending(number)
        now = self.outbox.clock.now()
        for index, entry in enumerate(entries):
            if entry.not_before is not None and entry.not_before > now:
                break
            if _superseded(entry, entries[index + 1 :]):
                await self.outbox.finish(entry)
                performed += 1
                continue
            if not await self.outbox.begin(entry):
                return performed  # the lease went to another replica
            try:
                await self._perform(entry)
            except LeaseLost:
                return performed
            except Exception as exc:
                self.failures += 1
                retry_at = await self.outbox.postpone(entry, _describe(exc))
                log.warning(
                    "Slack step failed for incident #%s (%s, attempt %s): %s; retrying at %s",
                    number,
                    entry.event.kind,
                    entry.attempts,
                    _describe(exc),
                    retry_at.isoformat(timespec="seconds"),
                )
                if entry.attempts == FAILING_AFTER_ATTEMPTS and self._on_failing is not None:
                    await self._tell_failing(number)
                break
            await self.outbox.finish(entry)
            self.performed += 1
            performed += 1
            _log_milestone(entry.event)
        await self.outbox.release(number)
        return performed

    async def _tell_failing(self, number: int) -> None:
        assert self._on_failing is not None
        try:
            await self._on_failing(number)
        except Exception as exc:
            # Slack is likely down for this too; App Home still shows it.
            log.warning("could not show the failing step on #%s's card: %s", number, _describe(exc))

    async def _perform(self, entry: OutboxEntry) -> None:
        handlers = self._handlers_for(entry.event)
        if not handlers:
            raise LookupError(f"nothing performs {entry.event.kind} events")
        for namespace, handler in handlers:
            await handler(entry, Steps(self.outbox, entry, namespace))

    def _handlers_for(self, event: Event) -> Sequence[tuple[str, Handler]]:
        for kind in type(event).__mro__:
            found = self._handlers.get(kind)
            if found:
                return found
        return ()


def _log_milestone(event: Event) -> None:
    """An incident's milestones, logged once each, when Slack has them: performed here, they
    were committed before and shown after."""
    if isinstance(event, IncidentDeclared):
        log.info("incident #%s declared", event.number)
    elif isinstance(event, PostmortemCompiled):
        log.info("incident #%s closed; postmortem posted", event.number)


def _superseded(entry: OutboxEntry, later: list[OutboxEntry]) -> bool:
    key = entry.event.coalesce()
    return key is not None and any(other.event.coalesce() == key for other in later)


def _describe(exc: BaseException) -> str:
    """A failure in one line, for the log and App Home; never a token (Slack errors carry
    only the method's error code in `response`)."""
    response: Any = getattr(exc, "response", None)
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return f"{type(exc).__name__}: {data['error']}"
    return f"{type(exc).__name__}: {str(exc)[:200]}"
