"""Use cases of the incident lifecycle: declare, provision, roles, severity, notes, updates.

Each use case owns its transaction (one unit of work) and talks to Slack only after the data it
reports is committed, so what people see in Slack is always backed by the database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
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
from bot.core.incidents.model import DeclareInput, Incident, Role, Severity
from bot.core.incidents.notices import RoleAssigned, SeverityChanged, StakeholderUpdate
from bot.core.incidents.permissions import (
    Permissions,
    Steering,
    may_see,
    require_steering,
    visible_to,
)
from bot.core.incidents.ports import ChannelMembers, NoMembers, Notifier
from bot.core.postmortem.analysis import ActionStatus
from bot.core.timeline import TimelineEvent, TimelineKind, person
from bot.core.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 3000


@dataclass
class IncidentService:
    uow: UnitOfWorkFactory
    notifier: Notifier
    clock: Clock = field(default_factory=SystemClock)
    # Features that act once an incident's channel and card exist (the runbook's first
    # checklist, the what-changed digest) register here instead of being called from here.
    on_provisioned: list[Callable[[Incident], Awaitable[None]]] = field(default_factory=list)
    # The current phase's timebox for the card; the runbook catalogue knows it (wired at start).
    timebox_of: Callable[[Incident], int | None] = lambda incident: None
    permissions: Permissions = field(default_factory=Permissions)
    members: ChannelMembers = field(default_factory=NoMembers)
    _card_locks: dict[int, asyncio.Lock] = field(default_factory=dict, init=False, repr=False)

    # -- reading ---------------------------------------------------------------------------

    async def for_channel(self, channel_id: str) -> Incident:
        async with self.uow() as tx:
            incident = await tx.incidents.get_by_channel(channel_id=channel_id)
        if incident is None:
            raise NotAnIncidentChannel()
        return incident

    async def get(self, number: int) -> Incident:
        async with self.uow() as tx:
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
        async with self.uow() as tx:
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
        """Record a new incident, then create its channel and card.

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
                    )
                )
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
        except DuplicateDeclaration:
            async with self.uow() as tx:
                assert data.idempotency_key is not None
                existing = await tx.incidents.get_by_declare_key(key=data.idempotency_key)
            assert existing is not None
            return existing, False
        return await self.provision(incident), True

    async def provision(self, incident: Incident) -> Incident:
        """Bring an incident's Slack side up to date: channel, members, card, announcement.

        Each step is saved as soon as it is done, so a crash part-way resumes where it stopped
        (see resume_unprovisioned) instead of creating a second channel.
        """
        assert incident.number is not None
        number = incident.number
        if incident.channel_id is None:
            channel_id, name = await self.notifier.create_channel(incident=incident)
            incident = await self._save_step(
                number,
                {"channel_id": channel_id, "channel_name": name},
                f"Channel #{name} created",
                details={"event": "channel_created", "channel": channel_id},
            )
            members = [u for u in {incident.reporter_id, incident.commander_id} if u]
            if members:
                await self.notifier.invite(channel_id=channel_id, user_ids=sorted(members))
                await self._save_step(
                    number,
                    {},
                    "Invited " + ", ".join(person(u) for u in sorted(members)),
                    details={"event": "invited", "user_ids": sorted(members)},
                )
        if incident.card_ts is None:
            card_ts = await self.notifier.post_card(card=await self.card(number))
            incident = await self._save_step(
                number,
                {"card_ts": card_ts},
                "Incident card posted and pinned",
                details={"event": "card_posted", "ts": card_ts},
            )
            if not incident.private:
                await self.notifier.announce(incident=incident)
            for hook in self.on_provisioned:
                try:
                    await hook(incident)
                except Exception:
                    # One feature failing must not undo or hide the declaration itself.
                    log.exception("after-declare step failed for incident #%s", number)
        return incident

    async def resume_unprovisioned(self) -> int:
        """Finish declarations a crash interrupted; returns how many were resumed."""
        async with self.uow() as tx:
            pending = await tx.incidents.list_unprovisioned()
        for incident in pending:
            try:
                await self.provision(incident)
            except Exception:
                log.exception("could not resume provisioning of incident #%s", incident.number)
        return len(pending)

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
        await self.notifier.invite(channel_id=channel_id, user_ids=[user_id])
        await self.notifier.post_notice(
            notice=RoleAssigned(channel_id=channel_id, user_id=user_id, role=role)
        )
        await self.refresh_card(incident.number)
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
        await self.notifier.post_notice(
            notice=SeverityChanged(
                channel_id=channel_id, previous=previous, severity=severity, actor=actor
            )
        )
        await self.refresh_card(incident.number)
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
        await self.notifier.post_notice(
            notice=StakeholderUpdate(channel_id=channel_id, actor=actor, text=text)
        )
        await self.refresh_card(incident.number)
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
            link = await self.notifier.permalink(channel_id=message.channel_id, ts=message.ts)
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
        message = await self.notifier.fetch_message(channel_id=channel_id, ts=ts)
        if message is None:
            return False
        return await self.add_message(
            incident=incident, message=message, added_by=reactor, via="reaction", event_id=event_id
        )

    async def refresh_card(self, number: int | None) -> None:
        """Re-render the pinned card from the latest stored state.

        Card edits for one incident are serialised and always read fresh data, so two commands
        finishing in the other order can never leave the card showing the older state.
        """
        if number is None:
            return
        async with self._card_locks.setdefault(number, asyncio.Lock()):
            async with self.uow() as tx:
                incident = await tx.incidents.get(number=number)
                card = await self._card(tx, incident) if incident is not None else None
            if card is not None:
                await self.notifier.update_card(card=card)

    # -- helpers ---------------------------------------------------------------------------

    async def _card(self, tx: UnitOfWork, incident: Incident) -> IncidentCard:
        items = await tx.action_items.list_for(incident_number=incident.number or 0)
        open_items = [i for i in items if i.status is ActionStatus.OPEN]
        return IncidentCard(
            incident=incident,
            timebox_minutes=self.timebox_of(incident),
            open_items=len(open_items),
            unowned_items=sum(1 for i in open_items if i.owner_id is None),
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

    async def _save_step(
        self, number: int, changes: dict[str, Any], summary: str, *, details: dict[str, Any]
    ) -> Incident:
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            for name, value in changes.items():
                setattr(incident, name, value)
            if changes:
                await tx.incidents.save(incident=incident)
            await self._record(tx, incident, TimelineKind.STATUS, summary, details=details)
        return incident
