"""The App Home of one person: the open incidents, and the open action items they own."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.incidents.model import Incident
from bot.core.incidents.permissions import visible_to
from bot.core.incidents.ports import ChannelMembers, NoMembers
from bot.core.outbox import FAILING_AFTER_ATTEMPTS, FailingEffect
from bot.core.postmortem.analysis import ActionItem
from bot.core.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True)
class OwnedItem:
    incident_number: int
    item: ActionItem


@dataclass(frozen=True)
class Home:
    open_incidents: list[Incident]
    owned_items: list[OwnedItem]
    # Slack steps the projector keeps failing on, for incidents the viewer may see: retried
    # until they succeed, and shown here so nobody waits for a message that is not coming.
    failing: list[FailingEffect] = field(default_factory=list)


@dataclass
class HomeService:
    uow: UnitOfWorkFactory
    members: ChannelMembers = field(default_factory=NoMembers)

    async def for_user(self, user_id: str) -> Home:
        """Read in one transaction, so the two lists agree with each other."""
        async with self.uow() as tx:
            incidents = await tx.incidents.list_open()
            owned = await tx.action_items.open_for_owner(owner_id=user_id)
            failing = await tx.outbox.failing(min_attempts=FAILING_AFTER_ATTEMPTS)
            concerned = [
                incident
                for number in sorted({f.incident_number for f in failing})
                if (incident := await tx.incidents.get(number=number)) is not None
            ]
        seen = {i.number for i in await visible_to(user_id, concerned, self.members)}
        return Home(
            open_incidents=await visible_to(user_id, incidents, self.members),
            owned_items=[OwnedItem(incident_number=n, item=item) for n, item in owned],
            failing=[f for f in failing if f.incident_number in seen],
        )
