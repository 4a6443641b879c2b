"""Assembling a running bot from settings: database, Slack client, services, apps.

`serve`, the demo and the end-to-end tests all build the bot here, so what the tests drive is
what production runs.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from bot.api import create_http_app
from bot.api.readiness import ReadinessCheck
from bot.config import Settings
from bot.core.cases.service import CaseService
from bot.core.changes.webhook_service import WebhookService
from bot.core.clock import Clock, SystemClock
from bot.core.home.service import HomeService
from bot.core.incidents.permissions import Permissions
from bot.core.incidents.service import IncidentService
from bot.core.outbox import Outbox
from bot.core.postmortem.action_items_service import ActionItemService
from bot.core.postmortem.reader import PostmortemReader
from bot.core.postmortem.records_service import RecordsService
from bot.core.postmortem.service import PostmortemService
from bot.core.reminders.rules import Cadences
from bot.core.reminders.service import ReminderService
from bot.core.runbooks.loader import load_catalog
from bot.core.runbooks.service import PhaseService
from bot.core.runbooks.timeboxes import timebox_lookup
from bot.core.webhook_deliveries import WebhookDeliveryLog
from bot.deps import Deps
from bot.observability.counted import CountedChangeService, CountedReminders
from bot.observability.metrics import Metrics, ProjectorCounts
from bot.slack.app import create_app
from bot.slack.change_notifier import SlackChangeNotifier
from bot.slack.notifier import SharedSession, SlackNotifier, make_slack_client
from bot.slack.people import SlackAdmins, SlackChannelMembers
from bot.slack.postmortem_publisher import SlackPostmortemPublisher
from bot.slack.projection import merge
from bot.slack.projection.changes import ChangeProjection
from bot.slack.projection.incidents import IncidentProjection
from bot.slack.projection.postmortem import PostmortemProjection
from bot.slack.projection.runbooks import RunbookProjection
from bot.slack.projector import Projector
from storage.engine import create_engine, create_session_factory
from storage.unit_of_work import SqlUnitOfWorkFactory

if TYPE_CHECKING:
    from bot.slack.socket_mode import SocketModeRunner


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    deps: Deps
    bolt: AsyncApp
    http: Starlette
    projector: Projector
    # The client the projector performs effects with (no blind re-sends; see make_slack_client).
    effects_slack: AsyncWebClient
    # This app's series (`GET /metrics`), in a registry of its own.
    metrics: Metrics
    # What `/readyz` asks besides the database and Slack; a runner appends its own (e.g. the
    # Socket Mode connection: `lambda: None if connected else "Socket Mode not connected"`).
    readiness: list[ReadinessCheck]
    # The Slack clients' one aiohttp session, closed by aclose.
    http_session: SharedSession = field(default_factory=SharedSession)

    def socket_mode(self, app_token: str, **options: Any) -> SocketModeRunner:
        """A Socket Mode runner for this app: counted in /metrics, and /readyz unready while its
        link to Slack is down."""
        from bot.slack.socket_mode import SocketModeRunner  # only `serve --socket` needs it

        runner = SocketModeRunner(self.bolt, app_token=app_token, metrics=self.metrics, **options)
        self.readiness.append(
            lambda: None if runner.connected else "Socket Mode is not connected to Slack"
        )
        return runner

    async def aclose(self) -> None:
        # Let effects already under way finish their step: cut off mid-call, they would be
        # retried (and looked for) by the next start, but there is no need to.
        await self.projector.idle()
        await self.http_session.aclose()
        await self.engine.dispose()


def cadences_from(settings: Settings) -> Cadences:
    return Cadences(
        unowned_first=timedelta(minutes=settings.remind_unowned_first_minutes),
        unowned_every=timedelta(hours=settings.remind_unowned_hours),
        overdue_every=timedelta(hours=settings.remind_overdue_hours),
        stale_update_s1=timedelta(minutes=settings.remind_stale_update_s1_minutes),
        stale_update_s2=timedelta(minutes=settings.remind_stale_update_s2_minutes),
        postmortem_after=timedelta(hours=settings.remind_postmortem_hours),
    )


def build_runtime(settings: Settings, *, clock: Clock | None = None) -> Runtime:
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    metrics = Metrics()
    # One pool of kept-alive connections for every Slack call this process makes.
    http_session = SharedSession()
    slack = make_slack_client(settings, metrics=metrics, session=http_session)
    runbooks = load_catalog(settings.runbooks_dir)
    # Two clients. Listeners, reads (permalinks, captured messages, names) and reminders use
    # `slack`, which re-sends a call after a 5xx or a lost connection: a read is harmless to
    # repeat, a person retries a command that failed, and a reminder (claimed per occurrence,
    # with no effect key to look for) is better seen twice than lost. The projector's effects use
    # `effects_slack`, which does not: a post whose answer was lost may have been made, and only
    # the projector can look for it before trying again (make_slack_client).
    effects_slack = make_slack_client(
        settings, for_effects=True, metrics=metrics, session=http_session
    )
    notifier = SlackNotifier(slack, settings=settings, clock=clock)
    effects = SlackNotifier(effects_slack, settings=settings, clock=clock)
    admins = SlackAdmins(
        slack,
        user_ids=settings.admin_user_ids,
        group_ids=settings.admin_group_ids,
        clock=clock,
    )
    members = SlackChannelMembers(slack, clock=clock)
    incidents = IncidentService(
        uow=uow,
        chat=notifier,
        clock=clock,
        runbooks=runbooks,
        timebox_of=timebox_lookup(runbooks),
        permissions=Permissions(admins=admins),
        members=members,
    )
    phases = PhaseService(uow=uow, incidents=incidents, catalog=runbooks, clock=clock)
    changes = CountedChangeService(uow=uow, clock=clock, metrics=metrics)
    webhooks = WebhookService(uow=uow, incidents=incidents, changes=changes, clock=clock)
    replica = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    reminders = ReminderService(
        uow=uow,
        notifier=CountedReminders(notifier, metrics=metrics),
        catalog=runbooks,
        claimant=replica,
        cadences=cadences_from(settings),
        clock=clock,
    )
    reader = PostmortemReader(
        uow=uow,
        directory=SlackPostmortemPublisher(slack),
        clock=clock,
        template_dir=settings.runbooks_dir / "templates" if settings.runbooks_dir else None,
    )
    records = RecordsService(reader=reader)
    action_items = ActionItemService(reader=reader, incidents=incidents)
    postmortems = PostmortemService(reader=reader, incidents=incidents)
    outbox = Outbox(uow=uow, claimant=replica, clock=clock)
    incident_projection = IncidentProjection(
        incidents=incidents, slack=effects, outbox=outbox, clock=clock
    )
    projector = Projector(
        outbox,
        merge(
            incident_projection.handlers(),
            RunbookProjection(phases=phases, slack=effects).handlers(),
            ChangeProjection(
                incidents=incidents,
                changes=changes,
                slack=SlackChangeNotifier(effects_slack),
                finder=effects,
            ).handlers(),
            PostmortemProjection(
                reader=reader,
                publisher=SlackPostmortemPublisher(effects_slack),
                archive_on_close=settings.archive_on_close,
            ).handlers(),
        ),
        on_failing=incident_projection.show_failing,
    )
    metrics.watch_projector(
        ProjectorCounts(performed=lambda: projector.performed, failures=lambda: projector.failures)
    )
    # A commit that queued Slack effects starts them at once in this process.
    uow.on_events = projector.kick
    deps = Deps(
        settings=settings,
        clock=clock,
        slack=slack,
        incidents=incidents,
        runbooks=runbooks,
        phases=phases,
        records=records,
        action_items=action_items,
        postmortems=postmortems,
        reminders=reminders,
        home=HomeService(uow=uow, members=members),
        changes=changes,
        webhooks=webhooks,
        deliveries=WebhookDeliveryLog(uow=uow, clock=clock),
        outbox=outbox,
        cases=CaseService(uow=uow, clock=clock, reader=reader),
    )
    bolt = create_app(settings, deps)
    readiness: list[ReadinessCheck] = []
    http = create_http_app(
        settings,
        deps,
        bolt,
        engine=engine,
        projector=projector,
        metrics=metrics,
        readiness=readiness,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        deps=deps,
        bolt=bolt,
        http=http,
        projector=projector,
        effects_slack=effects_slack,
        metrics=metrics,
        readiness=readiness,
        http_session=http_session,
    )
