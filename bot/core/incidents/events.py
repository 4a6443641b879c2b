"""What the incident use cases record in the outbox for the projector to perform."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.core.events import Event
from bot.core.incidents.model import Severity


@dataclass(frozen=True)
class IncidentDeclared(Event):
    """The incident is stored: its channel, members, card and announcement are to be made,
    and the person who declared it from another channel told there where it lives."""

    number: int
    origin_channel_id: str | None = None


@dataclass(frozen=True)
class CardChanged(Event):
    """Something the card shows changed; the card is re-rendered from what is stored then."""

    coalesce_key: ClassVar[str | None] = "card"

    number: int


@dataclass(frozen=True)
class PeopleInvited(Event):
    """These people belong in the incident's channel (a new role holder)."""

    channel_id: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class SeverityEscalated(Event):
    """The incident got worse (S3 → S2, S2 → S1): the people who saw the declaration where it
    was announced should learn it too, not only those in the incident's channel."""

    number: int
    previous: Severity
    severity: Severity
    actor: str
