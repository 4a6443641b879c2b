"""The change ledger's events in Slack: the opening digest, live changes, added changes, alerts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.changes.alertmanager import AlertRecord
from bot.core.changes.digest import Digest
from bot.core.changes.events import AlertsLanded, ChangeAdded, ChangesLanded
from bot.core.changes.model import Change
from bot.core.changes.service import ChangeService
from bot.core.events import Event
from bot.core.incidents.events import IncidentDeclared
from bot.core.incidents.model import Incident
from bot.core.incidents.service import IncidentService
from bot.core.outbox import OutboxEntry
from bot.slack.projector import Handler, Steps


class PostFinder(Protocol):
    async def find_post(self, *, channel_id: str, effect: str, since: datetime) -> str | None: ...


class ChangeEffects(Protocol):
    """The Slack calls this projection makes (bot/slack/change_notifier.py implements them)."""

    async def post_digest(
        self,
        *,
        channel_id: str,
        digest: Digest,
        incident: Incident | None,
        on_timeline: frozenset[str],
        effect: str | None = None,
    ) -> str | None: ...

    async def post_changes(
        self,
        *,
        incident: Incident,
        changes: Sequence[Change],
        recorded_by: str | None,
        effect: str | None = None,
    ) -> str | None: ...

    async def post_change_added(
        self, *, incident: Incident, change: Change, added_by: str, effect: str | None = None
    ) -> str | None: ...

    async def post_alerts(
        self, *, incident: Incident, alerts: Sequence[AlertRecord], effect: str | None = None
    ) -> str | None: ...


@dataclass
class ChangeProjection:
    incidents: IncidentService
    changes: ChangeService
    slack: ChangeEffects
    finder: PostFinder

    def handlers(self) -> dict[type[Event], list[tuple[str, Handler]]]:
        return {
            # An incident opens with the answer to triage's first question: what changed.
            IncidentDeclared: [("changes", self.declared)],
            ChangesLanded: [("changes", self.landed)],
            ChangeAdded: [("changes", self.added)],
            AlertsLanded: [("changes", self.alerts)],
        }

    async def declared(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, IncidentDeclared)
        incident = await self.incidents.get(event.number)
        view = await self.changes.digest(incident=incident)
        channel_id = incident.channel_id
        assert channel_id is not None

        async def post(effect: str) -> str | None:
            return await self.slack.post_digest(
                channel_id=channel_id,
                digest=view.digest,
                incident=incident,
                on_timeline=view.on_timeline,
                effect=effect,
            )

        await self._post_once(entry, steps, "digest", channel_id, post)

    async def landed(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, ChangesLanded)
        incident = await self.incidents.get(event.number)
        changes = await self.changes.get_many(event.change_ids)
        if incident.channel_id is None or not changes:
            return

        async def post(effect: str) -> str | None:
            return await self.slack.post_changes(
                incident=incident, changes=changes, recorded_by=event.recorded_by, effect=effect
            )

        await self._post_once(entry, steps, "landed", incident.channel_id, post)

    async def added(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, ChangeAdded)
        incident = await self.incidents.get(event.number)
        changes = await self.changes.get_many([event.change_id])
        if incident.channel_id is None or not changes:
            return

        async def post(effect: str) -> str | None:
            return await self.slack.post_change_added(
                incident=incident, change=changes[0], added_by=event.added_by, effect=effect
            )

        await self._post_once(entry, steps, "added", incident.channel_id, post)

    async def alerts(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, AlertsLanded)
        incident = await self.incidents.get(event.number)
        if incident.channel_id is None:
            return

        async def post(effect: str) -> str | None:
            return await self.slack.post_alerts(
                incident=incident, alerts=list(event.alerts), effect=effect
            )

        await self._post_once(entry, steps, "alerts", incident.channel_id, post)

    async def _post_once(
        self,
        entry: OutboxEntry,
        steps: Steps,
        name: str,
        channel_id: str,
        post: Callable[[str], Awaitable[str | None]],
    ) -> None:
        effect = steps.effect(name)

        async def perform() -> str:
            return await post(effect) or ""

        await steps.once(
            name,
            perform,
            find=lambda: self.finder.find_post(
                channel_id=channel_id, effect=effect, since=entry.created_at
            ),
        )
