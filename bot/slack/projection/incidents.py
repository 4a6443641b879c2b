"""The incident's events in Slack: its channel, card, announcement, invitations and notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.clock import Clock
from bot.core.events import Event, Notice
from bot.core.incidents import provisioning
from bot.core.incidents.card import IncidentCard
from bot.core.incidents.events import (
    CardChanged,
    IncidentDeclared,
    PeopleInvited,
    SeverityEscalated,
)
from bot.core.incidents.model import Incident
from bot.core.incidents.service import IncidentService
from bot.core.outbox import Apply, Outbox, OutboxEntry
from bot.core.unit_of_work import UnitOfWork
from bot.slack.projector import Handler, Steps


class IncidentEffects(Protocol):
    """The Slack calls this projection makes (bot/slack/notifier.py implements them)."""

    @property
    def announce_channel(self) -> str | None: ...

    async def create_channel(self, *, incident: Incident) -> tuple[str, str]: ...

    async def invite(self, *, channel_id: str, user_ids: list[str]) -> None: ...

    async def post_card(self, *, card: IncidentCard, effect: str | None = None) -> str: ...

    async def pin(self, *, channel_id: str, ts: str) -> None: ...

    def card_digest(self, card: IncidentCard) -> str: ...

    async def update_card(self, *, card: IncidentCard) -> str | None: ...

    async def announce(self, *, incident: Incident, effect: str | None = None) -> str | None: ...

    async def announce_escalation(
        self, *, incident: Incident, escalation: SeverityEscalated, effect: str | None = None
    ) -> str | None: ...

    async def post_notice(self, *, notice: Notice, effect: str | None = None) -> str: ...

    async def tell_declared(
        self, *, channel_id: str, user_id: str, number: int, incident_channel: str
    ) -> None: ...

    async def find_post(self, *, channel_id: str, effect: str, since: datetime) -> str | None: ...


@dataclass
class IncidentProjection:
    incidents: IncidentService
    slack: IncidentEffects
    outbox: Outbox
    clock: Clock

    def handlers(self) -> dict[type[Event], list[tuple[str, Handler]]]:
        return {
            IncidentDeclared: [("incident", self.declared)],
            CardChanged: [("card", self.card_changed)],
            PeopleInvited: [("invite", self.invited)],
            SeverityEscalated: [("escalation", self.escalated)],
            Notice: [("notice", self.notice)],
        }

    async def declared(self, entry: OutboxEntry, steps: Steps) -> None:
        """Channel, members, card (posted, pinned) and announcement, each once."""
        event = entry.event
        assert isinstance(event, IncidentDeclared)
        number = event.number
        incident = await self.incidents.get(number)
        if incident.channel_id is None:
            pending = incident

            async def create() -> list[str]:
                return list(await self.slack.create_channel(incident=pending))

            await steps.once(
                "channel", create, apply=lambda made: self._channel_created(number, made)
            )
            incident = await self.incidents.get(number)
        channel_id = incident.channel_id
        assert channel_id is not None
        members = sorted({u for u in (incident.reporter_id, incident.commander_id) if u})
        if members:

            async def invite() -> list[str]:
                await self.slack.invite(channel_id=channel_id, user_ids=members)
                return members

            await steps.once("invite", invite, apply=lambda who: self._invited(number, who))
        if incident.card_ts is None:
            card = await self.incidents.card(number)
            effect = steps.effect("card")
            ts = await steps.once(
                "card",
                lambda: self.slack.post_card(card=card, effect=effect),
                find=lambda: self.slack.find_post(
                    channel_id=channel_id, effect=effect, since=entry.created_at
                ),
                apply=lambda posted: self._card_posted(
                    number, posted, self.slack.card_digest(card)
                ),
            )
        else:
            ts = incident.card_ts

        async def pin() -> bool:
            await self.slack.pin(channel_id=channel_id, ts=ts)
            return True

        await steps.once("pin", pin)
        origin = event.origin_channel_id
        if origin and origin != channel_id and incident.reporter_id:
            reporter = incident.reporter_id

            async def tell() -> bool:
                await self.slack.tell_declared(
                    channel_id=origin, user_id=reporter, number=number, incident_channel=channel_id
                )
                return True

            # An ephemeral message cannot be looked for again: after a crash between sending
            # it and storing this step, the declarer may see it twice (nothing else does).
            await steps.once("told", tell)
        announce_channel = self.slack.announce_channel
        if not incident.private and announce_channel:
            effect = steps.effect("announce")

            async def announce() -> str:
                return await self.slack.announce(incident=incident, effect=effect) or ""

            await steps.once(
                "announce",
                announce,
                find=lambda: self.slack.find_post(
                    channel_id=announce_channel, effect=effect, since=entry.created_at
                ),
            )

    async def escalated(self, entry: OutboxEntry, steps: Steps) -> None:
        """Say it where the declaration was announced, under the same rules (none for a
        private incident, none without an announce channel)."""
        event = entry.event
        assert isinstance(event, SeverityEscalated)
        incident = await self.incidents.get(event.number)
        announce_channel = self.slack.announce_channel
        if incident.private or not announce_channel or incident.channel_id is None:
            return
        effect = steps.effect("announce")

        async def announce() -> str:
            found = await self.slack.announce_escalation(
                incident=incident, escalation=event, effect=effect
            )
            return found or ""

        await steps.once(
            "announce",
            announce,
            find=lambda: self.slack.find_post(
                channel_id=announce_channel, effect=effect, since=entry.created_at
            ),
        )

    async def card_changed(self, entry: OutboxEntry, steps: Steps) -> None:
        """Re-render the card from what is stored now, unless it would look the same."""
        event = entry.event
        assert isinstance(event, CardChanged)
        card = await self.incidents.card(event.number)
        if card.incident.card_ts is None:
            return  # not posted yet: the declaration posts it with the latest state
        digest = self.slack.card_digest(card)
        if digest == await self.outbox.last_card(event.number):
            return
        await self.slack.update_card(card=card)
        await self.outbox.save_last_card(event.number, digest)

    async def show_failing(self, number: int) -> None:
        """Put a failing step on the card now, ahead of the events queued behind it (the card
        reads the failing count from the outbox)."""
        card = await self.incidents.card(number)
        if card.incident.card_ts is None:
            return
        digest = await self.slack.update_card(card=card)
        if digest is not None:
            await self.outbox.save_last_card(number, digest)

    async def invited(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, PeopleInvited)

        async def invite() -> bool:
            await self.slack.invite(channel_id=event.channel_id, user_ids=list(event.user_ids))
            return True

        await steps.once("invite", invite)

    async def notice(self, entry: OutboxEntry, steps: Steps) -> None:
        notice = entry.event
        assert isinstance(notice, Notice)
        effect = steps.effect("post")
        await steps.once(
            "post",
            lambda: self.slack.post_notice(notice=notice, effect=effect),
            find=lambda: self.slack.find_post(
                channel_id=notice.channel_id, effect=effect, since=entry.created_at
            ),
        )

    # -- what each step means for the incident ------------------------------------------------

    def _channel_created(self, number: int, made: list[str]) -> Apply:
        channel_id, name = made
        now = self.clock.now()

        async def apply(tx: UnitOfWork) -> None:
            await provisioning.channel_created(
                tx, number=number, channel_id=channel_id, name=name, now=now
            )

        return apply

    def _invited(self, number: int, user_ids: list[str]) -> Apply:
        now = self.clock.now()

        async def apply(tx: UnitOfWork) -> None:
            await provisioning.members_invited(tx, number=number, user_ids=user_ids, now=now)

        return apply

    def _card_posted(self, number: int, ts: str, digest: str) -> Apply:
        now = self.clock.now()

        async def apply(tx: UnitOfWork) -> None:
            await provisioning.card_posted(tx, number=number, ts=ts, now=now)
            await tx.outbox.save_last_card(incident_number=number, digest=digest)

        return apply
