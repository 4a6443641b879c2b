"""The runbook's events in Slack: each phase's checklist, posted once and kept current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.events import Event
from bot.core.incidents.events import IncidentDeclared
from bot.core.outbox import Apply, OutboxEntry
from bot.core.runbooks.events import ChecklistChanged, PhaseEntered
from bot.core.runbooks.service import ChecklistView, PhaseService, checklist_posted
from bot.core.unit_of_work import UnitOfWork
from bot.slack.projector import Handler, Steps


class ChecklistEffects(Protocol):
    async def post_checklist(self, *, view: ChecklistView, effect: str | None = None) -> str: ...

    async def update_checklist(self, *, view: ChecklistView) -> None: ...

    async def find_post(self, *, channel_id: str, effect: str, since: datetime) -> str | None: ...


@dataclass
class RunbookProjection:
    phases: PhaseService
    slack: ChecklistEffects

    def handlers(self) -> dict[type[Event], list[tuple[str, Handler]]]:
        return {
            # A new incident starts in its first phase: its checklist follows the card.
            IncidentDeclared: [("runbook", self.declared)],
            PhaseEntered: [("runbook", self.entered)],
            ChecklistChanged: [("runbook", self.changed)],
        }

    async def declared(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, IncidentDeclared)
        await self._post(entry, steps, await self.phases.view_of_run(event.number))

    async def entered(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, PhaseEntered)
        await self._post(entry, steps, await self.phases.view_of_run(event.number, event.run_id))

    async def changed(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, ChecklistChanged)
        view = await self.phases.view_of_run(event.number, event.run_id)
        if view.run.checklist_ts is not None:
            await self.slack.update_checklist(view=view)

    async def _post(self, entry: OutboxEntry, steps: Steps, view: ChecklistView) -> None:
        channel_id = view.incident.channel_id
        if view.run.checklist_ts is not None or channel_id is None:
            return
        effect = steps.effect("checklist")
        number, run_id = view.incident.number or 0, view.run.id or 0

        def record(ts: str) -> Apply:
            async def apply(tx: UnitOfWork) -> None:
                await checklist_posted(tx, number=number, run_id=run_id, ts=ts)

            return apply

        await steps.once(
            "checklist",
            lambda: self.slack.post_checklist(view=view, effect=effect),
            find=lambda: self.slack.find_post(
                channel_id=channel_id, effect=effect, since=entry.created_at
            ),
            apply=record,
        )
