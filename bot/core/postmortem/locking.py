"""What every postmortem use case does first: lock the open incident, claim a submission once."""

from __future__ import annotations

from bot.core.clock import Clock
from bot.core.errors import DomainError, IncidentClosed, IncidentNotFound
from bot.core.incidents.model import Incident
from bot.core.unit_of_work import UnitOfWork


class RecordNotFound(DomainError):
    """A scope row or action item that is not (or no longer) there, e.g. removed meanwhile."""


class Repeated(Exception):
    """The same submission again (a double click, a redelivery): done once, nothing to do."""


async def open_incident(tx: UnitOfWork, number: int) -> Incident:
    """The incident, locked for the transaction; refused once it is closed."""
    incident = await tx.incidents.get(number=number)
    if incident is None:
        raise IncidentNotFound(number)
    if not incident.is_open:
        raise IncidentClosed(number)
    return incident


async def first_time(tx: UnitOfWork, key: str, clock: Clock) -> bool:
    """Claim a submission's key in the same transaction as its effect: a rollback frees it,
    and of two deliveries only one gets it."""
    return await tx.processed_events.claim(event_id=key, received_at=clock.now())
