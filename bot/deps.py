"""The services the listeners and routes call, built once per process."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core.incident_service import IncidentService
from bot.core.phase_service import PhaseService
from bot.core.ports import Clock
from bot.core.runbook import RunbookCatalog


@dataclass
class Deps:
    settings: Settings
    clock: Clock
    slack: AsyncWebClient
    incidents: IncidentService
    runbooks: RunbookCatalog
    phases: PhaseService
