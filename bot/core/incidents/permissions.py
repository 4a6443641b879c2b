"""Who may do what to an incident: the one rule every use case asks, Slack's and REST's alike.

- The commander and the admins (AI_INCIDENT_ADMINS) steer: close, close anyway, advance anyway,
  change the severity, hand over command.
- An action item belongs to its owner: completing, dropping, editing it or giving it to someone
  else is for its owner, the commander or an admin. An item nobody owns is anyone's to take.
- Everything else (notes, ticks, updates, records, the other roles) is for anyone in the
  incident's channel; that the action came from there is checked at the edge.
- A private incident is listed only to the members of its channel.

While an incident has no commander (one declared through the API without a reporter), anyone
may take command, and the other steering actions wait for that commander or an admin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.core.errors import DomainError
from bot.core.incidents.model import Incident
from bot.core.incidents.ports import ChannelMembers
from bot.core.postmortem.analysis import ActionItem
from bot.core.timeline import person


class Steering(StrEnum):
    """The commander's actions; each value finishes "Only the commander … can …"."""

    CLOSE = "close the incident"
    CLOSE_ANYWAY = "close the incident over blocking review flags"
    ADVANCE_ANYWAY = "advance the phase with required items open"
    CHANGE_SEVERITY = "change the severity"
    HAND_OVER_COMMAND = "hand over command"


class ItemChange(StrEnum):
    """What may be done to an owned action item by its owner only (or the commander)."""

    COMPLETE = "complete"
    DROP = "drop"
    EDIT = "edit"
    REASSIGN = "give to someone else"


class AdminDirectory(Protocol):
    """Who the configured admins are (user ids, or members of a user group)."""

    async def is_admin(self, user_id: str) -> bool: ...


class NoAdmins:
    async def is_admin(self, user_id: str) -> bool:
        return False


class NotPermitted(DomainError):
    """The actor may not do this; the message names who can."""


@dataclass(frozen=True)
class Actor:
    """Someone acting, with whether they are an admin already looked up: the rule itself never
    calls out, so it can run inside a transaction that holds the incident's row."""

    user_id: str
    is_admin: bool = False


@dataclass
class Permissions:
    admins: AdminDirectory = field(default_factory=NoAdmins)

    async def actor(self, user_id: str) -> Actor:
        return Actor(user_id=user_id, is_admin=await self.admins.is_admin(user_id))


def require_steering(incident: Incident, actor: Actor, act: Steering) -> None:
    commander = incident.commander_id
    if actor.user_id == commander or actor.is_admin:
        return
    if commander is None:
        if act is Steering.HAND_OVER_COMMAND:
            return  # someone has to take command first
        raise NotPermitted(
            f"Incident #{incident.number} has no commander yet: take command with "
            f"`/ai-incident role commander @you` first, or ask an admin to {act.value}."
        )
    raise NotPermitted(f"Only the commander ({person(commander)}) or an admin can {act.value}.")


def require_item(incident: Incident, item: ActionItem, actor: Actor, change: ItemChange) -> None:
    owner = item.owner_id
    if owner is None and change in (ItemChange.EDIT, ItemChange.REASSIGN):
        return  # an unowned item is anyone's to pick up or give out
    if actor.user_id in (owner, incident.commander_id) or actor.is_admin:
        return
    holders = f"its owner ({person(owner)})" if owner else "whoever takes it"
    commander = f" ({person(incident.commander_id)})" if incident.commander_id else ""
    raise NotPermitted(
        f"Only {holders}, the commander{commander} or an admin can {change.value} this action item."
    )


async def may_see(incident: Incident, viewer: str, members: ChannelMembers) -> bool:
    """Whether a person may see an incident listed: a private one only by its channel's
    members (before its channel exists, by whoever declared or commands it)."""
    if not incident.private:
        return True
    if incident.channel_id is None:
        return viewer in (incident.reporter_id, incident.commander_id)
    return await members.is_member(channel_id=incident.channel_id, user_id=viewer)


async def visible_to(
    viewer: str, incidents: list[Incident], members: ChannelMembers
) -> list[Incident]:
    return [incident for incident in incidents if await may_see(incident, viewer, members)]
