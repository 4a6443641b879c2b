"""The services the listeners and routes call, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core.change_service import ChangeService
from bot.core.incident_service import IncidentService
from bot.core.phase_service import PhaseService
from bot.core.ports import Clock
from bot.core.postmortem_service import PostmortemService
from bot.core.reminder_service import ReminderService
from bot.core.runbook import RunbookCatalog
from bot.core.webhook_service import WebhookService


@dataclass
class Deps:
    settings: Settings
    clock: Clock
    slack: AsyncWebClient
    incidents: IncidentService
    runbooks: RunbookCatalog
    phases: PhaseService
    postmortems: PostmortemService
    reminders: ReminderService
    changes: ChangeService
    webhooks: WebhookService
