"""Action items: added, edited, assigned or taken, completed with an artefact, dropped.

Action items outlive the incident: they are done weeks after the close, so they can still be
taken, assigned, completed or dropped once it is closed, and the stored postmortem is then
compiled again so that its action table tells the truth.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.clock import Clock
from bot.core.errors import DomainError, IncidentClosed, IncidentNotFound
from bot.core.events import Event, Notice
from bot.core.incidents.events import CardChanged
from bot.core.incidents.model import Incident
from bot.core.incidents.permissions import ItemChange, require_item
from bot.core.incidents.service import IncidentService
from bot.core.outbox import emit
from bot.core.postmortem.analysis import ActionCategory, ActionItem, ActionStatus
from bot.core.postmortem.forms import ActionItemInput, CompletionInput
from bot.core.postmortem.locking import RecordNotFound, Repeated, first_time, open_incident
from bot.core.postmortem.notices import ActionAdded, ActionAssigned, ActionCompleted, ActionDropped
from bot.core.postmortem.reader import PostmortemReader
from bot.core.unit_of_work import UnitOfWork


class EvalSetNotReached(DomainError):
    """An eval-set item marked done while the incident's cases are not in the eval set."""


async def require_cases_in_eval_set(tx: UnitOfWork, number: int) -> None:
    """An eval-set item is done only when the failing examples are data an eval runner has:
    at least one case captured, and every case exported or pushed. A pasted URL alone proved
    nothing, which is the gap this closes."""
    cases = await tx.cases.list_for(incident_number=number)
    if not cases:
        raise EvalSetNotReached(
            f"Incident #{number} has no regression case captured yet: add one with "
            "`/ai-incident case` (or “Add as regression case” on the failing message), export "
            "it, then mark this item done."
        )
    held = [case for case in cases if not case.in_eval_set]
    if held:
        some = "1 case has" if len(held) == 1 else f"{len(held)} cases have"
        raise EvalSetNotReached(
            f"{some} not left the bot: export them with `ai-incident cases export {number} "
            f"--format promptfoo` (or GET /api/v1/incidents/{number}/cases.jsonl), or push them "
            "to the dataset, then mark this item done."
        )


@dataclass(frozen=True)
class NumberedItem:
    incident: Incident
    position: int
    item: ActionItem


@dataclass
class ActionItemService:
    reader: PostmortemReader
    incidents: IncidentService

    @property
    def clock(self) -> Clock:
        return self.reader.clock

    async def open_items_of(self, owner_id: str) -> list[tuple[int, ActionItem]]:
        """Open action items someone owns, across incidents (for their App Home)."""
        async with self.reader.uow() as tx:
            return await tx.action_items.open_for_owner(owner_id=owner_id)

    async def create_action(
        self, *, number: int, actor: str, form: ActionItemInput, once: str | None = None
    ) -> NumberedItem | None:
        """Add an action item; None when `once` (the submission's key) was seen already."""
        item = form.new_item(now=self.clock.now())
        async with self.reader.uow() as tx:
            incident = await open_incident(tx, number)
            if once is not None and not await first_time(tx, once, self.clock):
                return None
            stored = await tx.action_items.add(incident_number=number, item=item)
            position = len(await tx.action_items.list_for(incident_number=number))
            events: list[Event] = []
            if incident.channel_id:
                events.append(
                    ActionAdded(
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
            events.append(CardChanged(number=number))
            await emit(tx, number, *events, now=self.clock.now())
        return NumberedItem(incident=incident, position=position, item=stored)

    async def edit_action(
        self, *, number: int, item_id: int, actor: str, form: ActionItemInput
    ) -> NumberedItem:
        return await self._change_action(
            number, item_id, form.edited, actor=actor, rule=ItemChange.EDIT, open_only=True
        )

    async def assign_action(
        self, *, number: int, item_id: int, owner_id: str, actor: str
    ) -> NumberedItem:
        return await self._change_action(
            number,
            item_id,
            lambda item: item.model_copy(update={"owner_id": owner_id}),
            actor=actor,
            rule=ItemChange.REASSIGN,
            notice=lambda channel_id, position, item: ActionAssigned(
                channel_id=channel_id,
                number=number,
                actor=actor,
                position=position,
                owner_id=owner_id,
                title=item.title,
            ),
        )

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

        async def eval_set_reached(tx: UnitOfWork, item: ActionItem) -> None:
            if item.category is ActionCategory.EVAL_SET:
                await require_cases_in_eval_set(tx, number)

        try:
            return await self._change_action(
                number,
                item_id,
                complete,
                actor=actor,
                rule=ItemChange.COMPLETE,
                once=once,
                check=eval_set_reached,
                notice=lambda channel_id, position, item: ActionCompleted(
                    channel_id=channel_id,
                    number=number,
                    actor=actor,
                    position=position,
                    title=item.title,
                    artefact_url=item.artefact_url,
                ),
            )
        except Repeated:
            return None

    async def drop_action(self, *, number: int, item_id: int, actor: str) -> NumberedItem:
        return await self._change_action(
            number,
            item_id,
            lambda item: item.model_copy(update={"status": ActionStatus.DROPPED}),
            actor=actor,
            rule=ItemChange.DROP,
            notice=lambda channel_id, position, item: ActionDropped(
                channel_id=channel_id,
                number=number,
                actor=actor,
                position=position,
                title=item.title,
            ),
        )

    async def _change_action(
        self,
        number: int,
        item_id: int,
        change: Callable[[ActionItem], ActionItem],
        *,
        actor: str,
        rule: ItemChange,
        open_only: bool = False,
        once: str | None = None,
        check: Callable[[UnitOfWork, ActionItem], Awaitable[None]] | None = None,
        notice: Callable[[str, int, ActionItem], Notice] | None = None,
    ) -> NumberedItem:
        who = await self.incidents.permissions.actor(actor)
        async with self.reader.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is None:
                raise IncidentNotFound(number)
            if once is not None and not await first_time(tx, once, self.clock):
                raise Repeated()
            if open_only and not incident.is_open:
                raise IncidentClosed(number)
            item = await tx.action_items.get(incident_number=number, item_id=item_id)
            if item is None:
                raise RecordNotFound(f"Incident #{number} has no such action item any more.")
            require_item(incident, item, who, rule)
            if check is not None:
                await check(tx, item)
            updated = change(item)
            await tx.action_items.save(incident_number=number, item=updated)
            items = await tx.action_items.list_for(incident_number=number)
            position = next((n for n, i in enumerate(items, start=1) if i.id == item_id), 0)
            events: list[Event] = []
            if notice is not None and incident.channel_id:
                events.append(notice(incident.channel_id, position, updated))
            events.append(CardChanged(number=number))  # the card counts open and unowned items
            await emit(tx, number, *events, now=self.clock.now())
        if not incident.is_open:
            await self._recompile_stored(number)
        return NumberedItem(incident=incident, position=position, item=updated)

    async def _recompile_stored(self, number: int) -> None:
        """After the close, keep the stored postmortem's action table true to the records."""
        analysis = await self.reader.analysis_of(number, with_timeline=True)
        postmortem = self.reader.compile(analysis, await self.reader.names_or_none(analysis))
        async with self.reader.uow() as tx:
            await tx.postmortems.save(incident_number=number, postmortem=postmortem)
