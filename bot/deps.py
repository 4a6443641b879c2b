"""The services the listeners and routes call, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core.cases.service import CaseService
from bot.core.changes.service import ChangeService
from bot.core.changes.webhook_service import WebhookService
from bot.core.clock import Clock
from bot.core.home.service import HomeService
from bot.core.incidents.service import IncidentService
from bot.core.outbox import Outbox
from bot.core.postmortem.action_items_service import ActionItemService
from bot.core.postmortem.records_service import RecordsService
from bot.core.postmortem.service import PostmortemService
from bot.core.reminders.service import ReminderService
from bot.core.runbooks.model import RunbookCatalog
from bot.core.runbooks.service import PhaseService
from bot.core.webhook_deliveries import WebhookDeliveryLog


@dataclass
class Deps:
    settings: Settings
    clock: Clock
    slack: AsyncWebClient
    incidents: IncidentService
    runbooks: RunbookCatalog
    phases: PhaseService
    records: RecordsService
    action_items: ActionItemService
    postmortems: PostmortemService
    reminders: ReminderService
    home: HomeService
    changes: ChangeService
    webhooks: WebhookService
    deliveries: WebhookDeliveryLog
    outbox: Outbox
    cases: CaseService
