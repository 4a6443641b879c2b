"""Use cases of the incident lifecycle: declare, provision, roles, severity, notes, updates.

Each use case owns its transaction (one unit of work) and records, in it, the events its change
implies (bot/core/outbox.py): the Slack projector performs them after the commit, so what people
see in Slack is always backed by the database, and a committed change is never lost to a Slack
failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.clock import Clock, SystemClock
from bot.core.errors import (
    DuplicateDeclaration,
    IncidentClosed,
    IncidentNotFound,
    InvalidInput,
    NotAnIncidentChannel,
)
from bot.core.incidents.card import IncidentCard
from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.events import (
    CardChanged,
    IncidentDeclared,
    PeopleInvited,
    SeverityEscalated,
)
from bot.core.incidents.model import DeclareInput, Incident, Role, Severity
from bot.core.incidents.notices import RoleAssigned, SeverityChanged, StakeholderUpdate
from bot.core.incidents.permissions import (
    Permissions,
    Steering,
    may_see,
    require_steering,
    visible_to,
)
from bot.core.incidents.ports import ChannelMembers, ChatReader, NoMembers
from bot.core.outbox import FAILING_AFTER_ATTEMPTS, emit
from bot.core.postmortem.analysis import ActionStatus
from bot.core.runbooks.model import RunbookCatalog
from bot.core.runbooks.phases import PhaseRun
from bot.core.timeline import TimelineEvent, TimelineKind, person
from bot.core.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 3000
MAX_REMEMBERED_CHANNELS = 10_000


@dataclass
class IncidentService:
    uow: UnitOfWorkFactory
    chat: ChatReader
    clock: Clock = field(default_factory=SystemClock)
    # The runbooks an incident may follow: a declaration enters its runbook's first phase.
    runbooks: RunbookCatalog | None = None
    # The current phase's timebox for the card; the runbook catalogue knows it (wired at start).
    timebox_of: Callable[[Incident], int | None] = lambda incident: None
    permissions: Permissions = field(default_factory=Permissions)
    members: ChannelMembers = field(default_factory=NoMembers)

    # Which incident a channel belongs to never changes once the channel is made; remembered,
    # so the check each button and form passes before its ack (the Slack edge's channel
    # agreement) reads the database once per channel, not once per click.
    _number_of_channel: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    # -- reading ---------------------------------------------------------------------------

    async def number_for_channel(self, channel_id: str) -> int | None:
        """The number of the incident whose channel this is; None when it is none's."""
        known = self._number_of_channel.get(channel_id)
        if known is not None:
            return known
        try:
            number = (await self.for_channel(channel_id)).number
        except NotAnIncidentChannel:
            return None
        if number is not None:
            if len(self._number_of_channel) >= MAX_REMEMBERED_CHANNELS:
                self._number_of_channel.clear()
            self._number_of_channel[channel_id] = number
        return number

    async def for_channel(self, channel_id: str) -> Incident:
        async with self.uow(read_only=True) as tx:
            incident = await tx.incidents.get_by_channel(channel_id=channel_id)
        if incident is None:
            raise NotAnIncidentChannel()
        return incident

    async def get(self, number: int) -> Incident:
        async with self.uow(read_only=True) as tx:
            incident = await tx.incidents.get(number=number)
        if incident is None:
            raise IncidentNotFound(number)
        return incident

    async def get_for(self, number: int, *, viewer: str) -> Incident:
        """The incident, as long as `viewer` may see it: a private one that they are not in
        answers as if it did not exist, so a forged number reveals nothing."""
        incident = await self.get(number)
        if not await may_see(incident, viewer, self.members):
            raise IncidentNotFound(number)
        return incident

    async def list_open(self, *, viewer: str | None = None) -> list[Incident]:
        """Open incidents; given a viewer, without the private ones they are not in."""
        async with self.uow(read_only=True) as tx:
            incidents = await tx.incidents.list_open()
        return incidents if viewer is None else await visible_to(viewer, incidents, self.members)

    async def card(self, number: int) -> IncidentCard:
        """The facts the incident card shows, read fresh."""
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            return await self._card(tx, incident)

    async def card_for_channel(self, channel_id: str) -> IncidentCard:
        async with self.uow() as tx:
            incident = await tx.incidents.get_by_channel(channel_id=channel_id)
            if incident is None:
                raise NotAnIncidentChannel()
            return await self._card(tx, incident)

    async def timeline(self, number: int) -> list[TimelineEvent]:
        async with self.uow() as tx:
            return await tx.timeline.list_for(incident_number=number)

    # -- declaring -------------------------------------------------------------------------

    async def declare(self, data: DeclareInput) -> tuple[Incident, bool]:
        """Record a new incident in its runbook's first phase, and the event that has its
        channel, card and announcement made.

        Returns (incident, created). The same idempotency key returns the first incident
        with created=False and touches nothing, so a double-clicked modal or a retried API
        call never opens a second channel.
        """
        now = self.clock.now()
        try:
            async with self.uow() as tx:
                if data.idempotency_key:
                    existing = await tx.incidents.get_by_declare_key(key=data.idempotency_key)
                    if existing is not None:
                        return existing, False
                first_phase = (
                    self.runbooks.get(data.runbook).first_phase
                    if self.runbooks is not None and data.runbook in self.runbooks
                    else None
                )
                incident = await tx.incidents.add(
                    incident=Incident(
                        title=data.title.strip(),
                        severity=data.severity,
                        category=data.category,
                        ai_feature=data.ai_feature,
                        how_detected=data.how_detected,
                        description=data.description,
                        runbook=data.runbook,
                        reporter_id=data.reporter_id,
                        commander_id=data.reporter_id,
                        regression_started_at=data.regression_started_at,
                        declare_key=data.idempotency_key,
                        private=data.private,
                        declared_at=now,
                        phase_started_at=now,
                        **({"phase": first_phase.name} if first_phase is not None else {}),
                    )
                )
                number = incident.number or 0
                await self._record(
                    tx,
                    incident,
                    TimelineKind.STATUS,
                    f"Incident declared: {incident.title} ({incident.severity.value}, "
                    f"{incident.category.label})",
                    actor=data.reporter_id,
                    details={"event": "declared"},
                )
                if data.regression_started_at is not None:
                    await self._record(
                        tx,
                        incident,
                        TimelineKind.DETECTION,
                        "Regression started (as declared)",
                        occurred_at=data.regression_started_at,
                        actor=data.reporter_id,
                        details={"event": "regression_started"},
                    )
                if data.reporter_id:
                    await self._record(
                        tx,
                        incident,
                        TimelineKind.ROLE,
                        f"{person(data.reporter_id)} is commander (declared the incident)",
                        actor=data.reporter_id,
                        details={
                            "role": Role.COMMANDER.value,
                            "user": data.reporter_id,
                            "user_ids": [data.reporter_id],
                        },
                    )
                if first_phase is not None and self.runbooks is not None:
                    runbook = self.runbooks.get(data.runbook)
                    await tx.phases.start(
                        run=PhaseRun(
                            incident_number=number,
                            runbook=runbook.name,
                            phase=first_phase.name,
                            started_at=now,
                            entered_by=data.reporter_id,
                        )
                    )
                    await self._record(
                        tx,
                        incident,
                        TimelineKind.PHASE,
                        f"Phase {first_phase.title} started (runbook {runbook.title})",
                        details={
                            "event": "phase_started",
                            "phase": first_phase.name,
                            "runbook": runbook.name,
                        },
                    )
                await emit(
                    tx,
                    number,
                    IncidentDeclared(number=number, origin_channel_id=data.origin_channel_id),
                    now=now,
                )
        except DuplicateDeclaration:
            async with self.uow() as tx:
                assert data.idempotency_key is not None
                existing = await tx.incidents.get_by_declare_key(key=data.idempotency_key)
            assert existing is not None
            return existing, False
        return incident, True

    # -- everyday commands -----------------------------------------------------------------

    async def add_note(self, *, channel_id: str, actor: str, text: str) -> Incident:
        text = text.strip()
        if not text:
            raise InvalidInput("text", "write the note after `log`, e.g. `/ai-incident log ...`")
        if len(text) > MAX_NOTE_LENGTH:
            raise InvalidInput("text", f"a note holds at most {MAX_NOTE_LENGTH} characters")
        async with self.uow() as tx:
            incident = await self._open_incident_in(tx, channel_id)
            await self._record(tx, incident, TimelineKind.NOTE, text, actor=actor)
        return incident

    async def assign_role(
        self, *, channel_id: str, role: Role, user_id: str, actor: str
    ) -> Incident:
        who = await self.permissions.actor(actor) if role is Role.COMMANDER else None
        async with self.uow() as tx:
            incident = await self._open_incident_in(tx, channel_id)
            if who is not None:
                require_steering(incident, who, Steering.HAND_OVER_COMMAND)
            previous = incident.role_holder(role)
            replaced = previous if previous != user_id else None
            incident.assign_role(role, user_id)
            await tx.incidents.save(incident=incident)
            await self._record(
                tx,
                incident,
                TimelineKind.ROLE,
                f"{person(user_id)} is {role.value}"
                + (f" (was {person(replaced)})" if replaced else ""),
                actor=actor,
                details={
                    "role": role.value,
                    "user": user_id,
                    "previous": previous,
                    "user_ids": [user_id, replaced] if replaced else [user_id],
                },
            )
            await emit(
                tx,
                incident.number or 0,
                PeopleInvited(channel_id=channel_id, user_ids=(user_id,)),
                RoleAssigned(channel_id=channel_id, user_id=user_id, role=role),
                CardChanged(number=incident.number or 0),
                now=self.clock.now(),
            )
        return incident

    async def set_severity(self, *, channel_id: str, severity: Severity, actor: str) -> Incident:
        who = await self.permissions.actor(actor)
        async with self.uow() as tx:
            incident = await self._open_incident_in(tx, channel_id)
            require_steering(incident, who, Steering.CHANGE_SEVERITY)
            previous = incident.severity
            if previous is severity:
                return incident
            incident.severity = severity
            await tx.incidents.save(incident=incident)
            await self._record(
                tx,
                incident,
                TimelineKind.SEVERITY,
                f"Severity {previous.value} → {severity.value}",
                actor=actor,
                details={"from": previous.value, "to": severity.value},
            )
            await emit(
                tx,
                incident.number or 0,
                SeverityChanged(
                    channel_id=channel_id, previous=previous, severity=severity, actor=actor
                ),
                CardChanged(number=incident.number or 0),
                now=self.clock.now(),
            )
            if severity.is_worse_than(previous):
                # A de-escalation stays in the incident's channel: the announce channel is for
                # news that should pull people in, and "less bad" is not that.
                await emit(
                    tx,
                    incident.number or 0,
                    SeverityEscalated(
                        number=incident.number or 0,
                        previous=previous,
                        severity=severity,
                        actor=actor,
                    ),
                    now=self.clock.now(),
                )
        return incident

    async def post_update(self, *, channel_id: str, text: str, actor: str) -> Incident:
        text = text.strip()
        if not text:
            raise InvalidInput("update", "the stakeholder update is empty")
        if len(text) > MAX_NOTE_LENGTH:
            raise InvalidInput("update", f"an update holds at most {MAX_NOTE_LENGTH} characters")
        now = self.clock.now()
        async with self.uow() as tx:
            incident = await self._open_incident_in(tx, channel_id)
            incident.last_update_text = text
            incident.last_update_at = now
            await tx.incidents.save(incident=incident)
            await self._record(tx, incident, TimelineKind.UPDATE, text, actor=actor)
            await emit(
                tx,
                incident.number or 0,
                StakeholderUpdate(channel_id=channel_id, actor=actor, text=text),
                CardChanged(number=incident.number or 0),
                now=now,
            )
        return incident

    async def add_message(
        self,
        *,
        incident: Incident,
        message: SlackMessage,
        added_by: str,
        via: str,
        event_id: str | None = None,
    ) -> bool:
        """Put a chat message on the timeline at the time it was posted.

        Returns False when it was already there (the same message pinned twice, or the same
        Slack event delivered again) — nothing is added then.
        """
        if message.permalink is None:
            link = await self.chat.permalink(channel_id=message.channel_id, ts=message.ts)
            message = message.model_copy(update={"permalink": link})
        async with self.uow() as tx:
            if event_id is not None and not await tx.processed_events.claim(
                event_id=event_id, received_at=self.clock.now()
            ):
                return False
            current = await tx.incidents.get(number=incident.number or 0)
            if current is None:
                raise IncidentNotFound(incident.number or 0)
            if not current.is_open:
                raise IncidentClosed(current.number or 0)
            excerpt = message.text.strip() or "(no text)"
            return await tx.timeline.add(
                event=TimelineEvent(
                    incident_number=current.number or 0,
                    occurred_at=message.posted_at,
                    recorded_at=self.clock.now(),
                    kind=TimelineKind.SLACK_MESSAGE,
                    actor=message.author_id,
                    source=via,
                    summary=excerpt if len(excerpt) <= 500 else excerpt[:499] + "…",
                    details={
                        "added_by": added_by,
                        "channel": message.channel_id,
                        "ts": message.ts,
                        "user_ids": message.user_ids,
                    },
                    permalink=message.permalink,
                    dedupe_key=f"slack_message:{message.channel_id}:{message.ts}",
                )
            )

    async def pin_from_reaction(
        self, *, channel_id: str, ts: str, reactor: str, event_id: str | None
    ) -> bool:
        """A pin reaction in an incident channel puts the message on that incident's timeline.

        Reactions anywhere else, or on a closed incident, are ignored: people use the emoji for
        other things too.
        """
        async with self.uow() as tx:
            incident = await tx.incidents.get_by_channel(channel_id=channel_id)
        if incident is None or not incident.is_open:
            return False
        message = await self.chat.fetch_message(channel_id=channel_id, ts=ts)
        if message is None:
            return False
        return await self.add_message(
            incident=incident, message=message, added_by=reactor, via="reaction", event_id=event_id
        )

    # -- helpers ---------------------------------------------------------------------------

    async def _card(self, tx: UnitOfWork, incident: Incident) -> IncidentCard:
        items = await tx.action_items.list_for(incident_number=incident.number or 0)
        open_items = [i for i in items if i.status is ActionStatus.OPEN]
        failing = await tx.outbox.failing(
            min_attempts=FAILING_AFTER_ATTEMPTS, incident_number=incident.number or 0
        )
        cases = await tx.cases.list_for(incident_number=incident.number or 0)
        return IncidentCard(
            incident=incident,
            timebox_minutes=self.timebox_of(incident),
            open_items=len(open_items),
            unowned_items=sum(1 for i in open_items if i.owner_id is None),
            failing_effects=len(failing),
            cases=len(cases),
        )

    async def _open_incident_in(self, tx: UnitOfWork, channel_id: str) -> Incident:
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
        kind: TimelineKind,
        summary: str,
        *,
        actor: str | None = None,
        occurred_at: Any = None,
        details: dict[str, Any] | None = None,
        source: str = "slack",
    ) -> None:
        now = self.clock.now()
        await tx.timeline.add(
            event=TimelineEvent(
                incident_number=incident.number or 0,
                occurred_at=occurred_at or now,
                recorded_at=now,
                kind=kind,
                actor=actor,
                source=source,
                summary=summary,
                details=details or {},
            )
        )
