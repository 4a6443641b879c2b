"""Regression cases: captured while the incident runs, edited like scope rows, exported as an
eval runner takes them, and judged by the gate runs CI reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.core.cases.export import to_jsonl, to_promptfoo
from bot.core.cases.forms import CaseInput, EvalRunInput
from bot.core.cases.model import CaseSource, CaseView, EvalRun, RegressionCase
from bot.core.cases.notices import CaseCaptured, GateRunReported
from bot.core.clock import Clock, SystemClock
from bot.core.errors import IncidentNotFound
from bot.core.events import Event
from bot.core.forms import FormInvalid
from bot.core.incidents.events import CardChanged
from bot.core.incidents.model import Incident
from bot.core.outbox import emit
from bot.core.postmortem.analysis import ActionCategory, ActionItem, ActionStatus
from bot.core.postmortem.locking import RecordNotFound, first_time
from bot.core.postmortem.reader import PostmortemReader
from bot.core.timeline import TimelineEvent, TimelineKind
from bot.core.unit_of_work import UnitOfWork, UnitOfWorkFactory

MAX_UNKNOWN_LISTED = 10


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    PROMPTFOO = "promptfoo"


@dataclass(frozen=True)
class Captured:
    view: CaseView
    created: bool  # False: the same example was captured before; nothing new stored


@dataclass(frozen=True)
class RunRecorded:
    run: EvalRun
    incidents: list[int]  # the incidents whose cases the run included
    # Per incident, the gate items (postmortem numbers) the run verified and marked done.
    verified: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class CaseService:
    uow: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)
    # When given, a closed incident's stored postmortem is compiled again after a gate run
    # completes one of its items, so its action table tells the truth.
    reader: PostmortemReader | None = None

    # -- capturing --------------------------------------------------------------------------

    async def capture(
        self,
        *,
        number: int,
        actor: str | None,
        form: CaseInput,
        source: CaseSource,
        source_url: str | None = None,
        once: str | None = None,
    ) -> Captured | None:
        """Store a case (the same input and expectation twice is one case). None when `once`
        (a submission's key) was seen already."""
        now = self.clock.now()
        async with self.uow() as tx:
            incident = await _incident(tx, number)
            if once is not None and not await first_time(tx, once, self.clock):
                return None
            case, created = await tx.cases.add(
                case=form.new_case(
                    incident_number=number,
                    now=now,
                    actor=actor,
                    source=source,
                    source_url=source_url,
                )
            )
            if created:
                total = len(await tx.cases.list_for(incident_number=number))
                await self._tell(tx, incident, case, total=total)
            last = (await tx.eval_runs.last_verdicts(keys=[case.key])).get(case.key)
        return Captured(view=CaseView(case=case, last=last), created=created)

    async def edit(self, *, number: int, case_id: int, actor: str, form: CaseInput) -> CaseView:
        async with self.uow() as tx:
            await _incident(tx, number)
            case = await tx.cases.get(incident_number=number, case_id=case_id)
            if case is None:
                raise RecordNotFound(f"Incident #{number} has no such regression case any more.")
            edited = form.edited(case)
            await tx.cases.save(case=edited)
            last = (await tx.eval_runs.last_verdicts(keys=[edited.key])).get(edited.key)
        return CaseView(case=edited, last=last)

    async def remove(self, *, number: int, case_id: int, actor: str) -> None:
        async with self.uow() as tx:
            await _incident(tx, number)
            # Removing what is already gone is what the person wanted: not an error.
            if await tx.cases.remove(incident_number=number, case_id=case_id):
                await emit(tx, number, CardChanged(number=number), now=self.clock.now())

    # -- reading ----------------------------------------------------------------------------

    async def list(self, number: int) -> list[CaseView]:
        async with self.uow() as tx:
            await _incident(tx, number)
            cases = await tx.cases.list_for(incident_number=number)
            last = await tx.eval_runs.last_verdicts(keys=[c.key for c in cases])
        return [CaseView(case=case, last=last.get(case.key)) for case in cases]

    # -- leaving the bot --------------------------------------------------------------------

    async def export(self, number: int, fmt: ExportFormat) -> str:
        """The incident's cases as a file an eval runner reads; marks them exported (the
        first export's time stays, so a re-export changes nothing but the file's reader)."""
        async with self.uow() as tx:
            await _incident(tx, number)
            cases = await tx.cases.list_for(incident_number=number)
            if cases:
                await tx.cases.mark_exported(incident_number=number, at=self.clock.now())
        return to_jsonl(cases) if fmt is ExportFormat.JSONL else to_promptfoo(cases)

    async def mark_pushed(self, *, keys: Sequence[str], dataset: str) -> None:
        async with self.uow() as tx:
            await tx.cases.mark_pushed(keys=keys, dataset=dataset, at=self.clock.now())

    # -- the gate ---------------------------------------------------------------------------

    async def record_run(self, form: EvalRunInput) -> RunRecorded:
        """Store what CI reported. Every case id must be one the bot gave out: a run naming
        unknown ids is refused whole, naming them, and nothing is stored."""
        now = self.clock.now()
        keys = list(dict.fromkeys(v.case_key for v in form.results))
        async with self.uow() as tx:
            known = {case.key: case for case in await tx.cases.by_keys(keys=keys)}
            unknown = [key for key in keys if key not in known]
            if unknown:
                listed = ", ".join(unknown[:MAX_UNKNOWN_LISTED])
                more = (
                    f" and {len(unknown) - MAX_UNKNOWN_LISTED} more"
                    if len(unknown) > MAX_UNKNOWN_LISTED
                    else ""
                )
                raise FormInvalid(
                    {"results": f"unknown case ids: {listed}{more} (export them from the bot)"}
                )
            run = await tx.eval_runs.add(
                run=EvalRun(
                    suite=form.suite,
                    commit=form.commit,
                    url=form.url,
                    reported_at=now,
                    verdicts=form.results,
                )
            )
            by_incident: dict[int, list[RegressionCase]] = {}
            for case in known.values():
                by_incident.setdefault(case.incident_number, []).append(case)
            verified: dict[int, list[int]] = {}
            for number, cases in sorted(by_incident.items()):
                incident = await tx.incidents.get(number=number)
                if incident is None:
                    continue
                all_cases = await tx.cases.list_for(incident_number=number)
                missing = [c for c in all_cases if run.verdict(c.key) is None]
                failing = tuple(c.key for c in cases if run.verdict(c.key) is False)
                if not missing and not failing and run.url:
                    verified[number] = await _verify_gate_items(
                        tx, number, run, now, cases=len(all_cases)
                    )
                done = verified.get(number, [])
                if done:
                    await emit(tx, number, CardChanged(number=number), now=now)
                if not incident.is_open or incident.channel_id is None:
                    continue
                await emit(
                    tx,
                    number,
                    GateRunReported(
                        channel_id=incident.channel_id,
                        number=number,
                        suite=run.suite,
                        commit=run.commit,
                        url=run.url,
                        passed=len(cases) - len(failing),
                        total=len(cases),
                        failing=failing,
                        verified=tuple(done),
                        missing=len(missing),
                    ),
                    now=now,
                )
        for number, done in sorted(verified.items()):
            if done and self.reader is not None:
                await self._recompile_if_closed(number)
        return RunRecorded(
            run=run,
            incidents=sorted(by_incident),
            verified={number: done for number, done in verified.items() if done},
        )

    async def _recompile_if_closed(self, number: int) -> None:
        assert self.reader is not None
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=number)
            stored = await tx.postmortems.get(incident_number=number)
        if incident is None or incident.is_open or stored is None:
            return
        analysis = await self.reader.analysis_of(number, with_timeline=True)
        postmortem = self.reader.compile(analysis, await self.reader.names_or_none(analysis))
        async with self.uow() as tx:
            await tx.postmortems.save(incident_number=number, postmortem=postmortem)

    # -- helpers ----------------------------------------------------------------------------

    async def _tell(
        self, tx: UnitOfWork, incident: Incident, case: RegressionCase, *, total: int
    ) -> None:
        number = incident.number or 0
        events: list[Event] = []
        if incident.channel_id and incident.is_open:
            events.append(
                CaseCaptured(
                    channel_id=incident.channel_id,
                    number=number,
                    actor=case.created_by,
                    key=case.key,
                    input=case.input,
                    slice=case.slice,
                    total=total,
                )
            )
        events.append(CardChanged(number=number))  # the card counts the cases
        await emit(tx, number, *events, now=self.clock.now())


async def _verify_gate_items(
    tx: UnitOfWork, number: int, run: EvalRun, now: datetime, *, cases: int
) -> list[int]:
    """Mark the incident's open gate items done: the run included every one of its cases
    and passed them all, which is what a gate item promises. Their artefact is the run, and
    the timeline says which run did it."""
    items = await tx.action_items.list_for(incident_number=number)
    done: list[int] = []
    for position, item in enumerate(items, start=1):
        if item.category is not ActionCategory.GATE or item.status is not ActionStatus.OPEN:
            continue
        await tx.action_items.save(incident_number=number, item=_verified(item, run, now))
        done.append(position)
    if done:
        listed = ", ".join(f"#{position}" for position in done)
        await tx.timeline.add(
            event=TimelineEvent(
                incident_number=number,
                occurred_at=now,
                recorded_at=now,
                kind=TimelineKind.NOTE,
                source=gate_actor(run),
                summary=f"Gate run {run.suite} at {run.commit[:12]} passed all {cases} "
                f"regression cases; action {listed} verified by it and marked done.",
                details={"run_id": run.id, "url": run.url, "verified": done},
                dedupe_key=f"gate-run:{run.id}:{number}",
            )
        )
    return done


def gate_actor(run: EvalRun) -> str:
    """Who verified a gate item: the run itself, named by suite and commit."""
    return f"gate:{run.suite}@{run.commit}"


def _verified(item: ActionItem, run: EvalRun, now: datetime) -> ActionItem:
    return item.model_copy(
        update={"status": ActionStatus.DONE, "artefact_url": run.url, "done_at": now}
    )


async def _incident(tx: UnitOfWork, number: int) -> Incident:
    incident = await tx.incidents.get(number=number)
    if incident is None:
        raise IncidentNotFound(number)
    return incident
