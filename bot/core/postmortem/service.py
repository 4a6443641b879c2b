"""The postmortem as a document: read it as it stands, and close the incident with it.

Closing records the resolution, compiles the postmortem from every record and stores it, with
the event that has the projector share it in the channel.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.errors import DomainError, IncidentClosed, IncidentNotFound
from bot.core.incidents.events import CardChanged
from bot.core.incidents.model import Incident, Status
from bot.core.incidents.permissions import Steering, require_steering
from bot.core.incidents.service import IncidentService
from bot.core.outbox import emit
from bot.core.postmortem import CloseOverride, Flag, Postmortem, blocking, review
from bot.core.postmortem.analysis import ActionCategory, ActionStatus
from bot.core.postmortem.events import PostmortemCompiled
from bot.core.postmortem.forms import ResolutionInput
from bot.core.postmortem.locking import first_time
from bot.core.postmortem.notices import ClosingSummary
from bot.core.postmortem.reader import Analysis, PostmortemDocument, PostmortemReader, load_analysis
from bot.core.timeline import TimelineEvent, TimelineKind, person


class BlockingFlagsOpen(DomainError):
    def __init__(self, flags: list[Flag]) -> None:
        titles = ", ".join(flag.title for flag in flags)
        super().__init__(
            f"The incident was not closed: blocking review flags are open ({titles}). Fix "
            "them, or close anyway — that decision is recorded in the postmortem."
        )
        self.flags = flags


@dataclass(frozen=True)
class Closed:
    incident: Incident
    postmortem: Postmortem
    overridden: list[Flag]


@dataclass
class PostmortemService:
    reader: PostmortemReader
    incidents: IncidentService

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

    async def analysis_of(self, number: int) -> Analysis:
        return await self.reader.analysis_of(number)

    async def preview(self, channel_id: str) -> PostmortemDocument:
        """The postmortem as it stands, with its review flags (the stored one once closed)."""
        incident = (await self.reader.analysis_in(channel_id)).incident
        assert incident.number is not None
        return await self.reader.document(incident.number)

    async def document(self, number: int) -> PostmortemDocument:
        return await self.reader.document(number)

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
        """Record the resolution, close the incident, compile and store the postmortem, and
        record the event that shares it — all in one transaction, so a close is never left
        without its postmortem, nor its postmortem posted twice (the projector posts it).

        A blocking review flag stops the close unless `close_anyway`; then the override (who,
        when, which flags, why) is stored and printed in the postmortem. The same `once` key
        (the submission's) closes once: a repeat returns None and posts nothing.

        Names come from Slack, read before the transaction: Slack is never called while the
        incident row is locked."""
        now = self.clock.now()
        who = await self.incidents.permissions.actor(actor)
        before = await self.reader.analysis_of(number, with_timeline=True)
        names = await self.reader.names_or_none(before)
        async with self.reader.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            if once is not None and not await first_time(tx, once, self.clock):
                return None
            if not incident.is_open:
                raise IncidentClosed(number)
            require_steering(incident, who, Steering.CLOSE)
            analysis = await load_analysis(tx, incident)
            resolution = form.resolution()
            closing_draft = analysis.draft().model_copy(update={"resolution": resolution})
            flags = blocking(review(closing_draft))
            if flags and not close_anyway:
                raise BlockingFlagsOpen(flags)
            if flags:
                require_steering(incident, who, Steering.CLOSE_ANYWAY)
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
            # In a worker thread: a long incident's compile must not hold up every other
            # request on the event loop (the interpreter still switches between the two).
            postmortem = await asyncio.to_thread(self.reader.compile, final, names)
            await tx.postmortems.save(incident_number=number, postmortem=postmortem)
            await emit(
                tx,
                number,
                CardChanged(number=number),
                PostmortemCompiled(
                    number=number, actor=actor, overridden=tuple(f.title for f in flags)
                ),
                now=now,
            )
        return Closed(incident=incident, postmortem=postmortem, overridden=flags)


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def closing_summary(
    incident: Incident, postmortem: Postmortem, *, overridden: tuple[str, ...], actor: str
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
        overridden=overridden,
        template_problem=postmortem.template_problem,
    )
