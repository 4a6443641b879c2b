"""Walking an incident through its runbook: checklists, advancing, overrides, levers.

The runbook (YAML, validated into bot.core.runbooks.model) says what each phase asks; this service
keeps where the incident stands — phase runs with their start and end, and every tick — and
records each step on the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.clock import Clock, SystemClock
from bot.core.errors import IncidentClosed, IncidentNotFound, InvalidInput, NotAnIncidentChannel
from bot.core.events import Event
from bot.core.incidents.events import CardChanged
from bot.core.incidents.model import Incident
from bot.core.incidents.permissions import Steering, require_steering
from bot.core.incidents.service import IncidentService
from bot.core.outbox import emit
from bot.core.runbooks.events import ChecklistChanged, PhaseEntered
from bot.core.runbooks.model import ChecklistItem, Runbook, RunbookCatalog, RunbookPhase
from bot.core.runbooks.notices import LeverPulled
from bot.core.runbooks.phases import EntryState, PhaseRun
from bot.core.timeline import TimelineEvent, TimelineKind, person
from bot.core.unit_of_work import UnitOfWork, UnitOfWorkFactory

MAX_TRADE_OFF_LENGTH = 2000


@dataclass(frozen=True)
class ChecklistView:
    """Everything a checklist message shows: the phase as the runbook defines it, this stay in
    it, and the ticks so far."""

    incident: Incident
    runbook: Runbook
    phase: RunbookPhase
    run: PhaseRun
    entries: dict[str, EntryState]

    @property
    def is_current(self) -> bool:
        return self.run.ended_at is None and self.incident.is_open

    def is_done(self, entry_id: str) -> bool:
        state = self.entries.get(entry_id)
        return state is not None and state.done

    @property
    def open_required(self) -> list[ChecklistItem]:
        return [item for item in self.phase.required_items if not self.is_done(item.id)]


@dataclass(frozen=True)
class AdvanceOutcome:
    advanced: bool
    target: str
    open_items: list[ChecklistItem] = field(default_factory=list)


@dataclass
class PhaseService:
    uow: UnitOfWorkFactory
    incidents: IncidentService
    catalog: RunbookCatalog
    clock: Clock = field(default_factory=SystemClock)

    # -- ticking ------------------------------------------------------------------------------

    async def toggle(
        self, *, channel_id: str, phase: str, entry_id: str, done: bool, actor: str
    ) -> ChecklistView:
        """Tick or untick a checklist item or exit criterion; confirming the last exit
        criterion of a phase marks the incident mitigated (and unticking one undoes that)."""
        now = self.clock.now()
        async with self.uow() as tx:
            incident = await self._open_incident(tx, channel_id)
            runbook = self.catalog.get(incident.runbook)
            spec = runbook.phase(phase)
            is_criterion = any(c.id == entry_id for c in spec.exit_criteria)
            label = (
                spec.exit_criterion(entry_id).signal if is_criterion else spec.item(entry_id).text
            )
            number = incident.number or 0
            await tx.phases.set_entry(
                state=EntryState(
                    incident_number=number,
                    phase=phase,
                    item_id=entry_id,
                    done=done,
                    by=actor,
                    at=now,
                )
            )
            verb = (
                ("Confirmed" if done else "Unconfirmed")
                if is_criterion
                else ("Checked" if done else "Unchecked")
            )
            await self._record(
                tx,
                incident,
                f"{verb}: {label} ({spec.title})",
                actor=actor,
                details={"event": "entry", "phase": phase, "item": entry_id, "done": done},
            )
            entries = await tx.phases.entries(incident_number=number, phase=phase)
            if is_criterion:
                await self._update_mitigation(tx, incident, spec, entries, actor)
            run = await self._latest_run(tx, number, phase)
            await emit(
                tx,
                number,
                ChecklistChanged(number=number, run_id=run.id or 0),
                CardChanged(number=number),
                now=now,
            )
        return ChecklistView(incident, runbook, spec, run, entries)

    async def _update_mitigation(
        self,
        tx: UnitOfWork,
        incident: Incident,
        spec: RunbookPhase,
        entries: dict[str, EntryState],
        actor: str,
    ) -> None:
        all_met = all(entries.get(c.id) and entries[c.id].done for c in spec.exit_criteria)
        if all_met and incident.mitigated_at is None:
            incident.mitigated_at = self.clock.now()
            await tx.incidents.save(incident=incident)
            await self._record(
                tx,
                incident,
                f"Mitigated: every exit criterion of {spec.title} confirmed",
                actor=actor,
                kind=TimelineKind.MITIGATION,
                details={"event": "mitigated", "criteria": [c.id for c in spec.exit_criteria]},
            )
        elif not all_met and incident.mitigated_at is not None:
            incident.mitigated_at = None
            await tx.incidents.save(incident=incident)
            await self._record(
                tx,
                incident,
                "No longer mitigated: an exit criterion was unconfirmed",
                actor=actor,
                kind=TimelineKind.MITIGATION,
                details={"event": "unmitigated"},
            )

    # -- moving -------------------------------------------------------------------------------

    async def advance(
        self, *, channel_id: str, target: str | None, actor: str, force: bool = False
    ) -> AdvanceOutcome:
        """Move to the next phase (target None) or to a named one. Open required items of the
        phase being left refuse the move unless forced; a forced move records who did it."""
        now = self.clock.now()
        who = await self.incidents.permissions.actor(actor) if force else None
        async with self.uow() as tx:
            incident = await self._open_incident(tx, channel_id)
            number = incident.number or 0
            runbook = self.catalog.get(incident.runbook)
            leaving = runbook.phase(incident.phase)
            if target is None:
                destination = runbook.next_phase(leaving.name)
                if destination is None:
                    raise InvalidInput(
                        "phase",
                        f"{leaving.title} is the last phase; close the incident when the "
                        "postmortem is ready",
                    )
            else:
                destination = runbook.phase(target)
                if destination.name == leaving.name:
                    raise InvalidInput("phase", f"the incident is already in {leaving.title}")
            entries = await tx.phases.entries(incident_number=number, phase=leaving.name)
            run = await self._latest_run(tx, number, leaving.name)
            open_items = ChecklistView(incident, runbook, leaving, run, entries).open_required
            if open_items and who is None:
                return AdvanceOutcome(
                    advanced=False, target=destination.name, open_items=open_items
                )
            if open_items and who is not None:
                require_steering(incident, who, Steering.ADVANCE_ANYWAY)
            run.ended_at = now
            run.left_by_override = actor if open_items else None
            await tx.phases.save(run=run)
            new_run = await tx.phases.start(
                run=PhaseRun(
                    incident_number=number,
                    runbook=runbook.name,
                    phase=destination.name,
                    started_at=now,
                    entered_by=actor,
                )
            )
            incident.phase, incident.phase_started_at = destination.name, now
            await tx.incidents.save(incident=incident)
            override = (
                f" — advanced anyway by {person(actor)} with {len(open_items)} required "
                "item(s) open"
                if open_items
                else ""
            )
            await self._record(
                tx,
                incident,
                f"Phase {leaving.title} → {destination.title}{override}",
                actor=actor,
                details={
                    "event": "phase_changed",
                    "from": leaving.name,
                    "to": destination.name,
                    "override": bool(open_items),
                    "open_items": [item.id for item in open_items],
                    "user_ids": [actor] if open_items else [],
                },
            )
            await emit(
                tx,
                number,
                ChecklistChanged(number=number, run_id=run.id or 0),
                PhaseEntered(number=number, run_id=new_run.id or 0),
                CardChanged(number=number),
                now=now,
            )
        return AdvanceOutcome(advanced=True, target=destination.name, open_items=open_items)

    async def switch_runbook(self, *, channel_id: str, name: str, actor: str) -> Runbook:
        runbook = self.catalog.get(name)
        now = self.clock.now()
        async with self.uow() as tx:
            incident = await self._open_incident(tx, channel_id)
            number = incident.number or 0
            previous = incident.runbook
            if previous == runbook.name:
                raise InvalidInput("runbook", f"the incident already follows {runbook.title}")
            # Same phase name when the new runbook has it (extensions keep the base's phases
            # and ids, so ticks carry over); otherwise its first phase.
            phase = (
                runbook.phase(incident.phase)
                if runbook.has_phase(incident.phase)
                else runbook.first_phase
            )
            old_run = await tx.phases.current(incident_number=number)
            if old_run is not None:
                old_run.ended_at = now
                await tx.phases.save(run=old_run)
            run = await tx.phases.start(
                run=PhaseRun(
                    incident_number=number,
                    runbook=runbook.name,
                    phase=phase.name,
                    started_at=now,
                    entered_by=actor,
                )
            )
            if phase.name != incident.phase:
                incident.phase, incident.phase_started_at = phase.name, now
            incident.runbook = runbook.name
            await tx.incidents.save(incident=incident)
            await self._record(
                tx,
                incident,
                f"Runbook {previous} → {runbook.name} ({runbook.title})",
                actor=actor,
                details={"event": "runbook_changed", "from": previous, "to": runbook.name},
            )
            events: list[Event] = []
            if old_run is not None:
                events.append(ChecklistChanged(number=number, run_id=old_run.id or 0))
            events += [PhaseEntered(number=number, run_id=run.id or 0), CardChanged(number=number)]
            await emit(tx, number, *events, now=now)
        return runbook

    # -- levers -------------------------------------------------------------------------------

    async def pull_lever(
        self,
        *,
        incident_number: int,
        phase: str,
        lever_id: str,
        authorized_by: str,
        trade_off: str,
        actor: str,
    ) -> None:
        """Record a stabilization lever with who authorized it and what it costs."""
        trade_off = trade_off.strip()
        if not trade_off:
            raise InvalidInput("trade_off", "say what pulling this lever costs")
        if len(trade_off) > MAX_TRADE_OFF_LENGTH:
            raise InvalidInput("trade_off", f"at most {MAX_TRADE_OFF_LENGTH} characters")
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=incident_number)
            if incident is None or incident.channel_id is None:
                raise NotAnIncidentChannel()
            if not incident.is_open:
                raise IncidentClosed(incident_number)
            lever = self.catalog.get(incident.runbook).phase(phase).lever(lever_id)
            await self._record(
                tx,
                incident,
                f"Stabilization: {lever.title} — authorized by {person(authorized_by)}; "
                f"trade-off: {trade_off}",
                actor=actor,
                kind=TimelineKind.STABILIZATION,
                details={
                    "lever": lever.id,
                    "phase": phase,
                    "authorized_by": authorized_by,
                    "trade_off": trade_off,
                    "user_ids": [authorized_by],
                },
            )
            await emit(
                tx,
                incident_number,
                LeverPulled(
                    channel_id=incident.channel_id,
                    lever_title=lever.title,
                    authorized_by=authorized_by,
                    trade_off=trade_off,
                ),
                now=self.clock.now(),
            )

    # -- reading ------------------------------------------------------------------------------

    async def checklist(self, channel_id: str) -> ChecklistView:
        async with self.uow(read_only=True) as tx:
            incident = await tx.incidents.get_by_channel(channel_id=channel_id)
            if incident is None:
                raise NotAnIncidentChannel()
            number = incident.number or 0
            runbook = self.catalog.get(incident.runbook)
            spec = runbook.phase(incident.phase)
            run = await self._latest_run(tx, number, spec.name)
            entries = await tx.phases.entries(incident_number=number, phase=spec.name)
        return ChecklistView(incident, runbook, spec, run, entries)

    async def runs(self, number: int) -> list[PhaseRun]:
        async with self.uow() as tx:
            return await tx.phases.runs(incident_number=number)

    async def confirmed_exit_criteria(self, number: int) -> list[str]:
        """The exit criteria confirmed so far (their signals), in the order of the runbooks'
        phases: what the close form starts from, so nobody has to tick them twice."""
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            runs = await tx.phases.runs(incident_number=number)
            # The runbook of each stay, then the current one: a switch keeps what was confirmed.
            names = list(dict.fromkeys([*(r.runbook for r in runs), incident.runbook]))
            confirmed: list[str] = []
            for name in names:
                if name not in self.catalog:
                    continue
                for phase in self.catalog.get(name).phases:
                    if not phase.exit_criteria:
                        continue
                    entries = await tx.phases.entries(incident_number=number, phase=phase.name)
                    confirmed += [
                        c.signal
                        for c in phase.exit_criteria
                        if (state := entries.get(c.id)) is not None and state.done
                    ]
        return list(dict.fromkeys(confirmed))

    # -- helpers ------------------------------------------------------------------------------

    async def view_of_run(self, number: int, run_id: int | None = None) -> ChecklistView:
        """The checklist of one stay in a phase (the current one when `run_id` is None)."""
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            runs = await tx.phases.runs(incident_number=number)
            chosen = [r for r in runs if r.id == run_id] if run_id is not None else runs[-1:]
            if not chosen:
                raise InvalidInput("phase", f"incident #{number} has no such phase run")
            run = chosen[0]
            runbook = self.catalog.get(run.runbook)
            entries = await tx.phases.entries(incident_number=number, phase=run.phase)
        return ChecklistView(incident, runbook, runbook.phase(run.phase), run, entries)

    async def _latest_run(self, tx: UnitOfWork, number: int, phase: str) -> PhaseRun:
        runs = [r for r in await tx.phases.runs(incident_number=number) if r.phase == phase]
        if not runs:
            raise InvalidInput("phase", f"the incident has not been in {phase} yet")
        return runs[-1]

    async def _open_incident(self, tx: UnitOfWork, channel_id: str) -> Incident:
        incident = await tx.incidents.get_by_channel(channel_id=channel_id)
        if incident is None:
            raise NotAnIncidentChannel()
        if not incident.is_open:
            raise IncidentClosed(incident.number or 0)
        return incident

    async def _record(
        self,
        tx: UnitOfWork,
        incident: Incident,
        summary: str,
        *,
        actor: str | None = None,
        kind: TimelineKind = TimelineKind.PHASE,
        details: dict[str, object] | None = None,
    ) -> None:
        now = self.clock.now()
        await tx.timeline.add(
            event=TimelineEvent(
                incident_number=incident.number or 0,
                occurred_at=now,
                recorded_at=now,
                kind=kind,
                actor=actor,
                summary=summary,
                details=dict(details or {}),
            )
        )


async def checklist_posted(tx: UnitOfWork, *, number: int, run_id: int, ts: str) -> None:
    """Remember where a phase's checklist was posted (written with the projector's step)."""
    for run in await tx.phases.runs(incident_number=number):
        if run.id == run_id:
            run.checklist_ts = ts
            await tx.phases.save(run=run)
            return
