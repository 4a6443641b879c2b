"""Use cases of the postmortem: record what responders learn while the incident runs, then close.

Detection, scope rows, root cause and action items are recorded from the forms as the incident
runs; closing records the resolution, compiles the postmortem from all of it, stores it and
posts it to the channel. Every form arrives as its input model (bot.core.postmortem.forms),
checked once where it was read; nothing here checks it again.

Action items outlive the incident: they are done weeks after the close, so they can still be
taken, assigned, completed or dropped once it is closed, and the stored postmortem is then
compiled again so that its action table tells the truth.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.core.errors import DomainError, IncidentClosed, IncidentNotFound
from bot.core.incidents.model import Incident, Status
from bot.core.incidents.ports import Notifier
from bot.core.incidents.service import IncidentService
from bot.core.postmortem import CloseOverride, Flag, Postmortem, blocking, review
from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    ActionStatus,
    SliceImpact,
)
from bot.core.postmortem.forms import (
    ActionItemInput,
    CompletionInput,
    DetectionInput,
    ResolutionInput,
    RootCauseInput,
    SliceInput,
)
from bot.core.postmortem.notices import (
    ActionAdded,
    ActionAssigned,
    ActionCompleted,
    ActionDropped,
    ClosingSummary,
    DetectionRecorded,
    PostmortemNotUploaded,
    RootCauseRecorded,
    ScopeContradictsSeverity,
)
from bot.core.postmortem.ports import PostmortemPublisher
from bot.core.postmortem.reader import Analysis, PostmortemDocument, PostmortemReader, load_analysis
from bot.core.postmortem.scope_severity import scope_contradiction
from bot.core.timeline import Axis, TimelineEvent, TimelineKind, axis_of, person
from bot.core.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Control-plane changes this long before the regression started are still offered as root-cause
# suggestions: the runbook's triage checks "changes in the past 7 days".
SUGGESTION_LOOKBACK = timedelta(days=7)


class BlockingFlagsOpen(DomainError):
    def __init__(self, flags: list[Flag]) -> None:
        titles = ", ".join(flag.title for flag in flags)
        super().__init__(
            f"The incident was not closed: blocking review flags are open ({titles}). Fix "
            "them, or close anyway — that decision is recorded in the postmortem."
        )
        self.flags = flags


class RecordNotFound(DomainError):
    """A scope row or action item that is not (or no longer) there, e.g. removed meanwhile."""


class _Repeated(Exception):
    """The same submission again (a double click, a redelivery): done once, nothing to do."""


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


@dataclass(frozen=True)
class NumberedItem:
    incident: Incident
    position: int
    item: ActionItem


@dataclass(frozen=True)
class Closed:
    incident: Incident
    postmortem: Postmortem
    overridden: list[Flag]


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
class PostmortemService:
    reader: PostmortemReader
    notifier: Notifier
    publisher: PostmortemPublisher
    incidents: IncidentService
    archive_on_close: bool = False

    @property
    def clock(self) -> Clock:
        return self.reader.clock

    # -- reading -----------------------------------------------------------------------------

    async def analysis_in(self, channel_id: str, *, open_only: bool = True) -> Analysis:
        """The records of the channel's incident, to prefill a form (or to list them)."""
        analysis = await self.reader.analysis_in(channel_id)
        if open_only and not analysis.incident.is_open:
            raise IncidentClosed(analysis.number)
        return analysis

    async def open_items_of(self, owner_id: str) -> list[tuple[int, ActionItem]]:
        """Open action items someone owns, across incidents (for their App Home)."""
        async with self.reader.uow() as tx:
            return await tx.action_items.open_for_owner(owner_id=owner_id)

    async def analysis_of(self, number: int) -> Analysis:
        return await self.reader.analysis_of(number)

    async def root_cause_prefill(self, channel_id: str) -> tuple[Analysis, list[AxisSuggestion]]:
        analysis = await self.reader.analysis_in(channel_id, with_timeline=True)
        if not analysis.incident.is_open:
            raise IncidentClosed(analysis.number)
        return analysis, suggest_axes(analysis, now=self.clock.now())

    async def preview(self, channel_id: str) -> PostmortemDocument:
        """The postmortem as it stands, with its review flags (the stored one once closed)."""
        incident = (await self.reader.analysis_in(channel_id)).incident
        assert incident.number is not None
        return await self.reader.document(incident.number)

    async def document(self, number: int) -> PostmortemDocument:
        return await self.reader.document(number)

    # -- detection ---------------------------------------------------------------------------

    async def record_detection(
        self, *, number: int, actor: str, form: DetectionInput
    ) -> tuple[Incident, timedelta | None]:
        """Store the detection; returns the incident and the time-to-detect it implies."""
        detection = form.detection()
        async with self.reader.uow() as tx:
            incident = await self._open(tx, number)
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
        if incident.channel_id:
            await self.notifier.post_notice(
                notice=DetectionRecorded(
                    channel_id=incident.channel_id,
                    number=number,
                    actor=actor,
                    how=detection.how,
                    signal=detection.signal,
                    time_to_detect_seconds=(
                        time_to_detect.total_seconds() if time_to_detect is not None else None
                    ),
                )
            )
        await self.incidents.refresh_card(number)
        return incident, time_to_detect

    # -- scope -------------------------------------------------------------------------------

    async def add_slice(
        self, *, number: int, actor: str, form: SliceInput, once: str | None = None
    ) -> ScopeSaved:
        """Add a scope row. `once` is the submission's key: the same key adds one row only."""
        row = form.row()

        async def add(tx: UnitOfWork) -> None:
            if once is None or await self._first_time(tx, once):
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
            incident = await self._open(tx, number)
            before = await tx.analysis.list_slices(incident_number=number)
            await change(tx)
            rows = await tx.analysis.list_slices(incident_number=number)
        was = scope_contradiction(before, incident.severity)
        now = scope_contradiction(rows, incident.severity)
        # Said when it becomes true, not again on every row saved while it stays true (the
        # scope form shows it all along).
        if now is not None and was is None and incident.channel_id:
            await self.notifier.post_notice(
                notice=ScopeContradictsSeverity(
                    channel_id=incident.channel_id,
                    number=number,
                    severity=incident.severity,
                    explanation=now,
                )
            )
        return ScopeSaved(incident=incident, rows=rows, contradiction=now)

    # -- root cause --------------------------------------------------------------------------

    async def record_root_cause(self, *, number: int, actor: str, form: RootCauseInput) -> Incident:
        root = form.root_cause()
        async with self.reader.uow() as tx:
            incident = await self._open(tx, number)
            await tx.analysis.save_root_cause(incident_number=number, root_cause=root)
        if incident.channel_id:
            await self.notifier.post_notice(
                notice=RootCauseRecorded(
                    channel_id=incident.channel_id,
                    number=number,
                    actor=actor,
                    axes=tuple(
                        f.axis
                        for f in sorted(root.axes, key=lambda f: f.axis is not root.first_axis)
                    ),
                    first_axis=root.first_axis,
                )
            )
        return incident

    # -- action items ------------------------------------------------------------------------

    async def create_action(
        self, *, number: int, actor: str, form: ActionItemInput, once: str | None = None
    ) -> NumberedItem | None:
        """Add an action item; None when `once` (the submission's key) was seen already."""
        item = form.new_item(now=self.clock.now())
        async with self.reader.uow() as tx:
            incident = await self._open(tx, number)
            if once is not None and not await self._first_time(tx, once):
                return None
            stored = await tx.action_items.add(incident_number=number, item=item)
            position = len(await tx.action_items.list_for(incident_number=number))
        if incident.channel_id:
            await self.notifier.post_notice(
                notice=ActionAdded(
                    channel_id=incident.channel_id,
                    number=number,
                    actor=actor,
                    position=position,
                    category=stored.category,
                    title=stored.title,
                    owner_id=stored.owner_id,
                    due=stored.due,
                )
            )
        await self.incidents.refresh_card(number)
        return NumberedItem(incident=incident, position=position, item=stored)

    async def edit_action(
        self, *, number: int, item_id: int, actor: str, form: ActionItemInput
    ) -> NumberedItem:
        return await self._change_action(number, item_id, form.edited, open_only=True)

    async def assign_action(
        self, *, number: int, item_id: int, owner_id: str, actor: str
    ) -> NumberedItem:
        changed = await self._change_action(
            number, item_id, lambda item: item.model_copy(update={"owner_id": owner_id})
        )
        if changed.incident.channel_id:
            await self.notifier.post_notice(
                notice=ActionAssigned(
                    channel_id=changed.incident.channel_id,
                    number=number,
                    actor=actor,
                    position=changed.position,
                    owner_id=owner_id,
                    title=changed.item.title,
                )
            )
        return changed

    async def take_action(self, *, number: int, item_id: int, actor: str) -> NumberedItem:
        return await self.assign_action(number=number, item_id=item_id, owner_id=actor, actor=actor)

    async def complete_action(
        self,
        *,
        number: int,
        item_id: int,
        actor: str,
        done: CompletionInput,
        once: str | None = None,
    ) -> NumberedItem | None:
        """Mark the item done: only with an artefact, and a calibration item only with its
        record (already on the item, or given here). None when `once` was seen already."""
        now = self.clock.now()

        def complete(item: ActionItem) -> ActionItem:
            return done.done(item, now=now)

        try:
            changed = await self._change_action(number, item_id, complete, once=once)
        except _Repeated:
            return None
        if changed.incident.channel_id:
            await self.notifier.post_notice(
                notice=ActionCompleted(
                    channel_id=changed.incident.channel_id,
                    number=number,
                    actor=actor,
                    position=changed.position,
                    title=changed.item.title,
                    artefact_url=changed.item.artefact_url,
                )
            )
        return changed

    async def drop_action(self, *, number: int, item_id: int, actor: str) -> NumberedItem:
        changed = await self._change_action(
            number, item_id, lambda item: item.model_copy(update={"status": ActionStatus.DROPPED})
        )
        if changed.incident.channel_id:
            await self.notifier.post_notice(
                notice=ActionDropped(
                    channel_id=changed.incident.channel_id,
                    number=number,
                    actor=actor,
                    position=changed.position,
                    title=changed.item.title,
                )
            )
        return changed

    async def _change_action(
        self,
        number: int,
        item_id: int,
        change: Callable[[ActionItem], ActionItem],
        *,
        open_only: bool = False,
        once: str | None = None,
    ) -> NumberedItem:
        async with self.reader.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            if once is not None and not await self._first_time(tx, once):
                raise _Repeated()
            if open_only and not incident.is_open:
                raise IncidentClosed(number)
            item = await tx.action_items.get(incident_number=number, item_id=item_id)
            if item is None:
                raise RecordNotFound(f"Incident #{number} has no such action item any more.")
            updated = change(item)
            await tx.action_items.save(incident_number=number, item=updated)
            items = await tx.action_items.list_for(incident_number=number)
        position = next((n for n, i in enumerate(items, start=1) if i.id == item_id), 0)
        if not incident.is_open:
            await self._recompile_stored(number)
        await self.incidents.refresh_card(number)  # the card counts open and unowned items
        return NumberedItem(incident=incident, position=position, item=updated)

    async def _recompile_stored(self, number: int) -> None:
        """After the close, keep the stored postmortem's action table true to the records."""
        analysis = await self.reader.analysis_of(number, with_timeline=True)
        postmortem = self.reader.compile(analysis, await self._names(analysis))
        async with self.reader.uow() as tx:
            await tx.postmortems.save(incident_number=number, postmortem=postmortem)

    # -- close -------------------------------------------------------------------------------

    async def close(
        self,
        *,
        number: int,
        actor: str,
        form: ResolutionInput,
        close_anyway: bool = False,
        reason: str | None = None,
        once: str | None = None,
    ) -> Closed | None:
        """Record the resolution, close the incident, compile and store the postmortem, then
        post it to the channel, show the card closed and (if set) archive the channel.

        A blocking review flag stops the close unless `close_anyway`; then the override (who,
        when, which flags, why) is stored and printed in the postmortem. The same `once` key
        (the submission's) closes once: a repeat returns None and posts nothing.

        The close is committed first and the postmortem compiled and stored right after: names
        come from Slack, and Slack is never called while the incident row is locked. Should
        the process die in between, the records are all there and `document()` compiles the
        postmortem from them on request."""
        now = self.clock.now()
        async with self.reader.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            if once is not None and not await self._first_time(tx, once):
                return None
            if not incident.is_open:
                raise IncidentClosed(number)
            analysis = await load_analysis(tx, incident)
            resolution = form.resolution()
            closing_draft = analysis.draft().model_copy(update={"resolution": resolution})
            flags = blocking(review(closing_draft))
            if flags and not close_anyway:
                raise BlockingFlagsOpen(flags)
            if flags:
                override = CloseOverride(
                    by=actor, at=now, flags=[f.code for f in flags], reason=_clean(reason)
                )
                await tx.analysis.save_close_override(incident_number=number, override=override)
            await tx.analysis.save_resolution(incident_number=number, resolution=resolution)
            incident.status = Status.CLOSED
            incident.closed_at = now
            incident.mitigated_at = resolution.mitigated_at or incident.mitigated_at or now
            await tx.incidents.save(incident=incident)
            closing = f"Incident closed by {person(actor)}"
            if flags:
                closing += f" (closed anyway with {len(flags)} blocking review flag(s) open)"
            await tx.timeline.add(
                event=TimelineEvent(
                    incident_number=number,
                    occurred_at=now,
                    recorded_at=now,
                    kind=TimelineKind.STATUS,
                    actor=actor,
                    summary=closing,
                    details={
                        "event": "closed",
                        "overridden": [f.code for f in flags],
                        "user_ids": [actor],
                    },
                    dedupe_key="status:closed",
                )
            )
            final = await load_analysis(tx, incident, with_timeline=True)
        postmortem = self.reader.compile(final, await self._names(final))
        async with self.reader.uow() as tx:
            await tx.postmortems.save(incident_number=number, postmortem=postmortem)
        await self._publish(incident, postmortem, overridden=flags, actor=actor)
        await self.incidents.refresh_card(number)
        if self.archive_on_close and incident.channel_id:
            try:
                await self.publisher.archive_channel(channel_id=incident.channel_id)
            except Exception:
                log.exception("could not archive the channel of incident #%s", number)
        return Closed(incident=incident, postmortem=postmortem, overridden=flags)

    async def _names(self, analysis: Analysis) -> dict[str, str]:
        """Display names for the document; Slack being unreachable costs names, not the close."""
        try:
            return await self.reader.names_for(analysis.user_ids())
        except Exception:
            log.exception(
                "no display names for incident #%s; the document shows ids", analysis.number
            )
            return {}

    async def _publish(
        self, incident: Incident, postmortem: Postmortem, *, overridden: list[Flag], actor: str
    ) -> None:
        if incident.channel_id is None:
            return
        number = incident.number
        summary = closing_summary(incident, postmortem, overridden=overridden, actor=actor)
        try:
            await self.publisher.upload_markdown(
                channel_id=incident.channel_id,
                filename=f"incident-{number}-postmortem.md",
                title=f"Postmortem: incident #{number} {incident.title}",
                content=postmortem.markdown,
                summary=summary,
            )
        except Exception:
            # The postmortem is stored: say where to get it rather than lose the close.
            log.exception("could not upload the postmortem of incident #%s", number)
            await self.notifier.post_notice(
                notice=PostmortemNotUploaded(channel_id=incident.channel_id, summary=summary)
            )

    # -- helpers -----------------------------------------------------------------------------

    async def _open(self, tx: UnitOfWork, number: int) -> Incident:
        incident = await tx.incidents.get(number=number)
        if incident is None:
            raise IncidentNotFound(number)
        if not incident.is_open:
            raise IncidentClosed(number)
        return incident

    async def _first_time(self, tx: UnitOfWork, key: str) -> bool:
        """Claim a submission's key in the same transaction as its effect: a rollback frees it,
        and of two deliveries only one gets it."""
        return await tx.processed_events.claim(event_id=key, received_at=self.clock.now())


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def closing_summary(
    incident: Incident, postmortem: Postmortem, *, overridden: list[Flag], actor: str
) -> ClosingSummary:
    """The facts of the message posted with the postmortem file."""
    data = postmortem.data
    times = data["times"]
    items = data["action_items"]
    live = [i for i in items if i["status"] != ActionStatus.DROPPED.value]
    return ClosingSummary(
        number=incident.number or 0,
        actor=actor,
        time_to_detect_seconds=times["time_to_detect"]["seconds"],
        time_to_mitigate_seconds=times["time_to_mitigate"]["seconds"],
        action_items=len(live),
        eval_set_items=sum(1 for i in live if i["category"] == ActionCategory.EVAL_SET.value),
        open_items=sum(1 for i in live if i["status"] == ActionStatus.OPEN.value),
        review_flags=len(postmortem.flags),
        overridden=tuple(f.title for f in overridden),
        template_problem=postmortem.template_problem,
    )
