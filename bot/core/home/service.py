"""The App Home of one person: the open incidents, and the open action items they own."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.incidents.model import Incident
from bot.core.incidents.permissions import visible_to
from bot.core.incidents.ports import ChannelMembers, NoMembers
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


@dataclass
class HomeService:
    uow: UnitOfWorkFactory
    members: ChannelMembers = field(default_factory=NoMembers)

    async def for_user(self, user_id: str) -> Home:
        """Read in one transaction, so the two lists agree with each other."""
        async with self.uow() as tx:
            incidents = await tx.incidents.list_open()
            owned = await tx.action_items.open_for_owner(owner_id=user_id)
        return Home(
            open_incidents=await visible_to(user_id, incidents, self.members),
            owned_items=[OwnedItem(incident_number=n, item=item) for n, item in owned],
        )
