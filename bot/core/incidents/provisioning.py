"""What each provisioning step means for the incident, written with the step's result.

The projector performs the Slack side of a declaration step by step; each function here runs
in the same transaction that stores the step's result, so the incident's channel, members and
card are recorded exactly when (and only once) Slack has them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.errors import IncidentNotFound
from bot.core.incidents.model import Incident
from bot.core.timeline import TimelineEvent, TimelineKind, person
from bot.core.unit_of_work import UnitOfWork


async def channel_created(
    tx: UnitOfWork, *, number: int, channel_id: str, name: str, now: datetime
) -> None:
    incident = await _incident(tx, number)
    incident.channel_id, incident.channel_name = channel_id, name
    await tx.incidents.save(incident=incident)
    await _record(
        tx,
        number,
        f"Channel #{name} created",
        now,
        {"event": "channel_created", "channel": channel_id},
    )


async def members_invited(
    tx: UnitOfWork, *, number: int, user_ids: list[str], now: datetime
) -> None:
    await _record(
        tx,
        number,
        "Invited " + ", ".join(person(u) for u in user_ids),
        now,
        {"event": "invited", "user_ids": list(user_ids)},
    )


async def card_posted(tx: UnitOfWork, *, number: int, ts: str, now: datetime) -> None:
    incident = await _incident(tx, number)
    incident.card_ts = ts
    await tx.incidents.save(incident=incident)
    await _record(
        tx, number, "Incident card posted and pinned", now, {"event": "card_posted", "ts": ts}
    )


async def _incident(tx: UnitOfWork, number: int) -> Incident:
    incident = await tx.incidents.get(number=number)
    if incident is None:
        raise IncidentNotFound(number)
    return incident


async def _record(
    tx: UnitOfWork, number: int, summary: str, now: datetime, details: dict[str, Any]
) -> None:
    await tx.timeline.add(
        event=TimelineEvent(
            incident_number=number,
            occurred_at=now,
            recorded_at=now,
            kind=TimelineKind.STATUS,
            summary=summary,
            details=details,
        )
    )
