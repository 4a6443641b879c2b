"""Reading an incident's postmortem records, and compiling them into a postmortem.

The reader needs storage, a way to turn user ids into names, a clock and the template
directory: nothing of Slack beyond names. That is all `ai-incident postmortem ID` and the REST
API need too, so they use it without building the whole bot.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.cases.model import CaseView
from bot.core.clock import Clock, SystemClock
from bot.core.errors import IncidentNotFound, NotAnIncidentChannel
from bot.core.incidents.model import Incident
from bot.core.postmortem import CloseOverride, Postmortem, PostmortemInput, compile_postmortem
from bot.core.postmortem.analysis import ActionItem, Detection, Resolution, RootCause, SliceImpact
from bot.core.postmortem.ports import UserDirectory
from bot.core.timeline import TimelineEvent
from bot.core.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Analysis:
    """Everything recorded for one incident's postmortem, as stored right now."""

    incident: Incident
    detection: Detection | None = None
    slices: list[SliceImpact] = field(default_factory=list)
    root_cause: RootCause | None = None
    action_items: list[ActionItem] = field(default_factory=list)
    resolution: Resolution | None = None
    close_override: CloseOverride | None = None
    cases: list[CaseView] = field(default_factory=list)
    # Loaded only when asked for: a long incident has thousands of events.
    timeline: list[TimelineEvent] = field(default_factory=list)

    @property
    def number(self) -> int:
        assert self.incident.number is not None
        return self.incident.number

    def draft(self, user_names: dict[str, str] | None = None) -> PostmortemInput:
        return PostmortemInput(
            incident=self.incident,
            detection=self.detection,
            slices=self.slices,
            root_cause=self.root_cause,
            action_items=self.action_items,
            timeline=self.timeline,
            resolution=self.resolution,
            close_override=self.close_override,
            cases=self.cases,
            user_names=user_names or {},
        )

    def position_of(self, item_id: int | None) -> int:
        """The item's number in the postmortem's action table (1-based; 0 when unknown)."""
        for position, item in enumerate(self.action_items, start=1):
            if item.id == item_id:
                return position
        return 0

    def user_ids(self) -> list[str]:
        """Everyone the postmortem may name: roles, owners, actors and people mentioned."""
        inc = self.incident
        ids: set[str] = {
            user
            for user in (inc.reporter_id, inc.commander_id, inc.comms_id, inc.scribe_id)
            if user
        }
        ids.update(item.owner_id for item in self.action_items if item.owner_id)
        if self.close_override:
            ids.add(self.close_override.by)
        for event in self.timeline:
            if event.actor:
                ids.add(event.actor)
            ids.update(event.user_ids)
        return sorted(ids)


async def load_analysis(
    tx: UnitOfWork, incident: Incident, *, with_timeline: bool = False
) -> Analysis:
    """Read the incident's records inside an open unit of work."""
    number = incident.number
    assert number is not None
    cases = await tx.cases.list_for(incident_number=number)
    last = await tx.eval_runs.last_verdicts(keys=[case.key for case in cases]) if cases else {}
    return Analysis(
        incident=incident,
        detection=await tx.analysis.get_detection(incident_number=number),
        slices=await tx.analysis.list_slices(incident_number=number),
        root_cause=await tx.analysis.get_root_cause(incident_number=number),
        action_items=await tx.action_items.list_for(incident_number=number),
        resolution=await tx.analysis.get_resolution(incident_number=number),
        close_override=await tx.analysis.get_close_override(incident_number=number),
        cases=[CaseView(case=case, last=last.get(case.key)) for case in cases],
        timeline=await tx.timeline.list_for(incident_number=number) if with_timeline else [],
    )


@dataclass(frozen=True)
class PostmortemDocument:
    """A postmortem and where it came from: stored at close, or compiled now from the records
    of an incident that is still open (or whose stored copy is missing)."""

    incident: Incident
    postmortem: Postmortem
    stored: bool


class NoDirectory:
    """A UserDirectory that knows nobody: documents then show user ids (the command line)."""

    async def display_names(self, *, user_ids: list[str]) -> dict[str, str]:
        return {}


@dataclass
class PostmortemReader:
    uow: UnitOfWorkFactory
    directory: UserDirectory = field(default_factory=NoDirectory)
    clock: Clock = field(default_factory=SystemClock)
    # `<runbooks dir>/templates`, where a team's postmortem.md.j2 replaces the built-in one.
    template_dir: Path | None = None

    async def analysis_of(self, number: int, *, with_timeline: bool = False) -> Analysis:
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            return await load_analysis(tx, incident, with_timeline=with_timeline)

    async def analysis_in(self, channel_id: str, *, with_timeline: bool = False) -> Analysis:
        async with self.uow() as tx:
            incident = await tx.incidents.get_by_channel(channel_id=channel_id)
            if incident is None:
                raise NotAnIncidentChannel()
            return await load_analysis(tx, incident, with_timeline=with_timeline)

    async def names_for(self, user_ids: Iterable[str]) -> dict[str, str]:
        wanted = sorted(set(user_ids))
        return await self.directory.display_names(user_ids=wanted) if wanted else {}

    async def names_or_none(self, analysis: Analysis) -> dict[str, str]:
        """Display names for the document; Slack being unreachable costs names, not the close."""
        try:
            return await self.names_for(analysis.user_ids())
        except Exception:
            log.exception(
                "no display names for incident #%s; the document shows ids", analysis.number
            )
            return {}

    def compile(self, analysis: Analysis, names: dict[str, str]) -> Postmortem:
        return compile_postmortem(
            analysis.draft(names), template_dir=self.template_dir, now=self.clock.now()
        )

    async def compile_draft(self, number: int) -> tuple[Incident, Postmortem]:
        """The postmortem as the records stand now; nothing is stored."""
        analysis = await self.analysis_of(number, with_timeline=True)
        names = await self.names_for(analysis.user_ids())
        return analysis.incident, self.compile(analysis, names)

    async def document(self, number: int) -> PostmortemDocument:
        """The stored postmortem when there is one, else a draft compiled now."""
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            stored = await tx.postmortems.get(incident_number=number)
        if stored is not None:
            return PostmortemDocument(incident=incident, postmortem=stored, stored=True)
        incident, draft = await self.compile_draft(number)
        return PostmortemDocument(incident=incident, postmortem=draft, stored=False)
