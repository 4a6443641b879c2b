"""Assembling a running bot from settings: database, Slack client, services, apps.

`serve`, the demo and the end-to-end tests all build the bot here, so what the tests drive is
what production runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from bot.api import create_http_app
from bot.app import create_app
from bot.config import Settings
from bot.core.incident_service import IncidentService
from bot.core.phase_service import PhaseService
from bot.core.ports import Clock, SystemClock
from bot.core.runbook_loader import load_catalog
from bot.deps import Deps
from bot.slack_notifier import SlackNotifier, make_slack_client
from bot.timeboxes import timebox_lookup
from storage.engine import create_engine, create_session_factory
from storage.unit_of_work import SqlUnitOfWorkFactory


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    deps: Deps
    bolt: AsyncApp
    http: Starlette

    async def aclose(self) -> None:
        await self.engine.dispose()


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    slack = make_slack_client(settings)
    runbooks = load_catalog(settings.runbooks_dir)
    notifier = SlackNotifier(
        slack, settings=settings, clock=clock, timebox_of=timebox_lookup(runbooks)
    )
    incidents = IncidentService(uow=uow, notifier=notifier, clock=clock)
    phases = PhaseService(
        uow=uow, notifier=notifier, incidents=incidents, catalog=runbooks, clock=clock
    )
    incidents.on_provisioned.append(phases.enter_first_phase)
    deps = Deps(
        settings=settings,
        clock=clock,
        slack=slack,
        incidents=incidents,
        runbooks=runbooks,
        phases=phases,
    )
    bolt = create_app(settings, deps)
    http = create_http_app(settings, deps, bolt, engine=engine)
    return Runtime(settings=settings, engine=engine, deps=deps, bolt=bolt, http=http)
