"""Recording what responders learn while the incident runs: detection, scope rows, root cause.

Every form arrives as its input model (bot.core.postmortem.forms), checked once where it was
read; nothing here checks it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.errors import IncidentClosed
from bot.core.events import Event
from bot.core.incidents.events import CardChanged
from bot.core.incidents.model import Incident
from bot.core.outbox import emit
from bot.core.postmortem.analysis import SliceImpact
from bot.core.postmortem.forms import DetectionInput, RootCauseInput, SliceInput
from bot.core.postmortem.locking import RecordNotFound, first_time, open_incident
from bot.core.postmortem.notices import (
    DetectionRecorded,
    RootCauseRecorded,
    ScopeContradictsSeverity,
)
from bot.core.postmortem.reader import Analysis, PostmortemReader
from bot.core.postmortem.scope_severity import scope_contradiction
from bot.core.timeline import Axis, TimelineEvent, axis_of
from bot.core.unit_of_work import UnitOfWork

# Control-plane changes this long before the regression started are still offered as root-cause
# suggestions: the runbook's triage checks "changes in the past 7 days".
SUGGESTION_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class AxisSuggestion:
    """An axis the timeline points at: the control-plane changes on it, earliest first.

    `in_window` is False when every one of them happened before the incident window; they
    are still offered (someone put them on this incident's timeline), after the others."""

    axis: Axis
    events: list[TimelineEvent]
    in_window: bool = True


@dataclass(frozen=True)
class ScopeSaved:
    incident: Incident
    rows: list[SliceImpact]
    # The scope-vs-severity sentence, when they disagree (bot.core.postmortem.scope_severity).
    contradiction: str | None


def suggest_axes(analysis: Analysis, *, now: datetime) -> list[AxisSuggestion]:
    """The axes of the control-plane changes on the incident's timeline.

    The incident window runs from `SUGGESTION_LOOKBACK` before the regression started (or the
    declaration) to the close (or now); axes with changes in it come first, the one whose
    change came earliest first, since the axis that moved first is the question that matters.
    Changes on the timeline from before the window follow: a change only lands on an
    incident's timeline when it concerns the incident, so an old one was put there on purpose
    (a corpus update six weeks before anyone noticed is exactly the legal-RAG case)."""
    draft = analysis.draft()
    start = (draft.regression_started_at() or analysis.incident.declared_at) - SUGGESTION_LOOKBACK
    end = analysis.incident.closed_at or now
    by_axis: dict[Axis, list[TimelineEvent]] = {}
    for event in sorted(analysis.timeline, key=lambda e: e.occurred_at):
        kind_axis = axis_of(event.kind)
        if kind_axis is not None and event.occurred_at <= end:
            by_axis.setdefault(event.axis or kind_axis, []).append(event)
    suggestions = [
        AxisSuggestion(
            axis=axis,
            events=[e for e in events if e.occurred_at >= start] or events,
            in_window=any(e.occurred_at >= start for e in events),
        )
        for axis, events in by_axis.items()
    ]
    return sorted(suggestions, key=lambda s: (not s.in_window, s.events[0].occurred_at))


@dataclass
class RecordsService:
    reader: PostmortemReader

    @property
    def clock(self) -> Clock:
        return self.reader.clock

    async def root_cause_prefill(self, channel_id: str) -> tuple[Analysis, list[AxisSuggestion]]:
        analysis = await self.reader.analysis_in(channel_id, with_timeline=True)
        if not analysis.incident.is_open:
            raise IncidentClosed(analysis.number)
        return analysis, suggest_axes(analysis, now=self.clock.now())

    # -- detection ---------------------------------------------------------------------------

    async def record_detection(
        self, *, number: int, actor: str, form: DetectionInput
    ) -> tuple[Incident, timedelta | None]:
        """Store the detection; returns the incident and the time-to-detect it implies."""
        detection = form.detection()
        async with self.reader.uow() as tx:
            incident = await open_incident(tx, number)
            await tx.analysis.save_detection(incident_number=number, detection=detection)
            # The incident carries the same facts for the card and the list; keep them equal.
            if detection.how is not None:
                incident.how_detected = detection.how
            if detection.regression_started_at is not None:
                incident.regression_started_at = detection.regression_started_at
            if detection.first_alarm_at is not None:
                incident.first_alarm_at = detection.first_alarm_at
            await tx.incidents.save(incident=incident)
            draft = Analysis(incident=incident, detection=detection).draft()
            started, alarm = draft.regression_started_at(), draft.first_alarm_at()
            time_to_detect = alarm - started if started and alarm else None
            events: list[Event] = [CardChanged(number=number)]
            if incident.channel_id:
                events.insert(
                    0,
                    DetectionRecorded(
                        channel_id=incident.channel_id,
                        number=number,
                        actor=actor,
                        how=detection.how,
                        signal=detection.signal,
                        time_to_detect_seconds=(
                            time_to_detect.total_seconds() if time_to_detect is not None else None
                        ),
                    ),
                )
            await emit(tx, number, *events, now=self.clock.now())
        return incident, time_to_detect

    # -- scope -------------------------------------------------------------------------------

    async def add_slice(
        self, *, number: int, actor: str, form: SliceInput, once: str | None = None
    ) -> ScopeSaved:
        """Add a scope row. `once` is the submission's key: the same key adds one row only."""
        row = form.row()

        async def add(tx: UnitOfWork) -> None:
            if once is None or await first_time(tx, once, self.clock):
                await tx.analysis.add_slice(incident_number=number, row=row)

        return await self._change_scope(number, add)

    async def edit_slice(
        self, *, number: int, slice_id: int, actor: str, form: SliceInput
    ) -> ScopeSaved:
        row = form.row(slice_id=slice_id)

        async def edit(tx: UnitOfWork) -> None:
            if not await tx.analysis.save_slice(incident_number=number, row=row):
                raise RecordNotFound("That scope row is gone (someone removed it); add it again.")

        return await self._change_scope(number, edit)

    async def remove_slice(self, *, number: int, slice_id: int, actor: str) -> ScopeSaved:
        async def remove(tx: UnitOfWork) -> None:
            # Removing what is already gone is what the person wanted: not an error.
            await tx.analysis.remove_slice(incident_number=number, slice_id=slice_id)

        return await self._change_scope(number, remove)

    async def _change_scope(
        self, number: int, change: Callable[[UnitOfWork], Awaitable[None]]
    ) -> ScopeSaved:
        async with self.reader.uow() as tx:
            incident = await open_incident(tx, number)
            before = await tx.analysis.list_slices(incident_number=number)
            await change(tx)
            rows = await tx.analysis.list_slices(incident_number=number)
            was = scope_contradiction(before, incident.severity)
            now = scope_contradiction(rows, incident.severity)
            # Said when it becomes true, not again on every row saved while it stays true (the
            # scope form shows it all along).
            if now is not None and was is None and incident.channel_id:
                await emit(
                    tx,
                    number,
                    ScopeContradictsSeverity(
                        channel_id=incident.channel_id,
                        number=number,
                        severity=incident.severity,
                        explanation=now,
                    ),
                    now=self.clock.now(),
                )
        return ScopeSaved(incident=incident, rows=rows, contradiction=now)

    # -- root cause --------------------------------------------------------------------------

    async def record_root_cause(self, *, number: int, actor: str, form: RootCauseInput) -> Incident:
        root = form.root_cause()
        async with self.reader.uow() as tx:
            incident = await open_incident(tx, number)
            await tx.analysis.save_root_cause(incident_number=number, root_cause=root)
            if incident.channel_id:
                await emit(
                    tx,
                    number,
                    RootCauseRecorded(
                        channel_id=incident.channel_id,
                        number=number,
                        actor=actor,
                        axes=tuple(
                            f.axis
                            for f in sorted(root.axes, key=lambda f: f.axis is not root.first_axis)
                        ),
                        first_axis=root.first_axis,
                    ),
                    now=self.clock.now(),
                )
        return incident
