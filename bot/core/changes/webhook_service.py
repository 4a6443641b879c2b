"""Other systems' webhooks, onto the ledger and the timelines: Alertmanager and Langfuse.

The parsing is pure (changes.alertmanager, changes.langfuse); this is what the parsed payloads
do. An Alertmanager group labelled for it opens an incident through IncidentService.declare —
the same path as the modal, channel included — and every firing or resolved alert lands once on
the timeline of the incidents it concerns. A Langfuse label move becomes a prompt change in the
ledger, with the version the label left taken from the ledger itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.changes.alertmanager import (
    AlertRecord,
    alert_group_declare_key,
    alertmanager_intake,
)
from bot.core.changes.events import AlertsLanded
from bot.core.changes.langfuse import (
    DEFAULT_WATCHED_LABELS,
    LANGFUSE_SOURCE,
    langfuse_prompt_change,
)
from bot.core.changes.model import Change, ChangeKind
from bot.core.changes.service import ChangeService
from bot.core.clock import Clock, SystemClock
from bot.core.incidents.model import Incident
from bot.core.incidents.service import IncidentService
from bot.core.outbox import emit
from bot.core.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

# How far back the ledger is searched for the version a Langfuse label left: the prompt's own
# recent changes, newest first.
_PREVIOUS_VERSION_LOOKBACK = 50


@dataclass(frozen=True)
class AlertOutcome:
    alerts: int  # distinct alerts in the notification
    added: int  # timeline lines added, over all incidents (0 for a redelivery)
    incident: Incident | None  # the incident the alert group asked for, opened now or before
    opened: bool  # this notification opened it
    truncated_alerts: int  # alerts Alertmanager's max_alerts left out of the notification


@dataclass(frozen=True)
class PromptOutcome:
    change: Change | None  # the ledger's version, when the event is a prompt change
    reason: str


def alert_concerns(alert: AlertRecord, incident: Incident) -> bool:
    """An alert belongs on an open incident's timeline when it names the incident's feature
    (label `ai_feature` or `service`); alerts naming none go only to their group's incident."""
    if alert.service is None or incident.ai_feature is None:
        return False
    return alert.service.strip().casefold() == incident.ai_feature.strip().casefold()


@dataclass
class WebhookService:
    uow: UnitOfWorkFactory
    incidents: IncidentService
    changes: ChangeService
    clock: Clock = field(default_factory=SystemClock)

    async def alertmanager(self, data: object) -> AlertOutcome:
        """One Alertmanager notification. Raises pydantic.ValidationError for a bad payload."""
        intake = alertmanager_intake(data)
        group_incident: Incident | None = None
        opened = False
        if intake.open_request is not None:
            request = intake.open_request
            # Idempotent on the group's key: a re-sent group finds the incident it opened.
            group_incident, opened = await self.incidents.declare(request.to_declare_input())
            if opened and group_incident.number is not None:
                await self._note_first_alarm(group_incident.number, request.first_alarm_at)
        elif intake.alerts:
            # A later notification of the group (e.g. its resolve) joins the incident it opened.
            key = alert_group_declare_key(intake.alerts[0].group_key)
            async with self.uow() as tx:
                group_incident = await tx.incidents.get_by_declare_key(key=key)

        placed = await self._place(intake.alerts, group_incident) if intake.alerts else []
        return AlertOutcome(
            alerts=len(intake.alerts),
            added=sum(len(landed) for _, landed in placed),
            incident=group_incident,
            opened=opened,
            truncated_alerts=intake.truncated_alerts,
        )

    async def langfuse(
        self,
        data: object,
        *,
        watched_labels: tuple[str, ...] = DEFAULT_WATCHED_LABELS,
        langfuse_url: str | None = None,
    ) -> PromptOutcome:
        """One Langfuse webhook event. Raises pydantic.ValidationError for a bad payload.

        A retried event answers as the first delivery did: the change it recorded (found by
        the event id), not "the label was already on this version".
        """
        first = langfuse_prompt_change(
            data, watched_labels=watched_labels, langfuse_url=langfuse_url
        )
        if first.change is None:
            return PromptOutcome(change=None, reason=first.reason)
        async with self.uow() as tx:
            existing = await tx.changes.get_by_key(
                source=first.change.source, external_id=first.change.external_id
            )
            previous = None if existing else await _previous_version(tx, first.change)
        if existing is not None:
            return PromptOutcome(change=existing, reason=f"prompt change: {existing.summary}")
        outcome = langfuse_prompt_change(
            data,
            watched_labels=watched_labels,
            previous_version=previous,
            langfuse_url=langfuse_url,
        )
        if outcome.change is None:
            return PromptOutcome(change=None, reason=outcome.reason)
        recorded = await self.changes.record([outcome.change])
        return PromptOutcome(change=recorded.changes[0], reason=outcome.reason)

    async def _place(
        self, alerts: list[AlertRecord], group_incident: Incident | None
    ) -> list[tuple[Incident, list[AlertRecord]]]:
        """Put the alerts on the timelines of the open incidents they concern (one transaction);
        return what landed where. Redelivered alerts land nowhere twice (dedupe keys)."""
        now = self.clock.now()
        group_number = group_incident.number if group_incident is not None else None
        placed: list[tuple[Incident, list[AlertRecord]]] = []
        async with self.uow() as tx:
            for incident in await tx.incidents.list_open():
                number = incident.number or 0
                landed: list[AlertRecord] = []
                for alert in alerts:
                    if number != group_number and not alert_concerns(alert, incident):
                        continue
                    event = alert.to_timeline_event(incident_number=number, recorded_at=now)
                    if await tx.timeline.add(event=event):
                        landed.append(alert)
                if landed:
                    placed.append((incident, landed))
                    await emit(
                        tx, number, AlertsLanded(number=number, alerts=tuple(landed)), now=now
                    )
        return placed

    async def _note_first_alarm(self, number: int, at: datetime) -> None:
        async with self.uow() as tx:
            incident = await tx.incidents.get(number=number)
            if incident is not None and incident.first_alarm_at is None:
                incident.first_alarm_at = at
                await tx.incidents.save(incident=incident)


async def _previous_version(tx: UnitOfWork, change: Change) -> int | None:
    """The version the ledger last saw carrying the same Langfuse prompt label."""
    name = change.attributes.get("prompt.name")
    label = change.attributes.get("prompt.label")
    recent = await tx.changes.newest(
        until=change.occurred_at,
        services=[change.service],
        kinds={ChangeKind.PROMPT},
        source=LANGFUSE_SOURCE,
        limit=_PREVIOUS_VERSION_LOOKBACK,
    )
    for earlier in recent:
        attributes: dict[str, Any] = earlier.attributes
        if attributes.get("prompt.name") == name and attributes.get("prompt.label") == label:
            version = attributes.get("prompt.version")
            return version if isinstance(version, int) and not isinstance(version, bool) else None
    return None
