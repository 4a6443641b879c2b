"""Assembling a running bot from settings: database, Slack client, services, apps.

`serve`, the demo and the end-to-end tests all build the bot here, so what the tests drive is
what production runs.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from bot.api import create_http_app
from bot.config import Settings
from bot.core.changes.service import ChangeService
from bot.core.changes.webhook_service import WebhookService
from bot.core.clock import Clock, SystemClock
from bot.core.home.service import HomeService
from bot.core.incidents.permissions import Permissions
from bot.core.incidents.service import IncidentService
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
from bot.slack.app import create_app
from bot.slack.change_notifier import SlackChangeNotifier
from bot.slack.notifier import SlackNotifier, make_slack_client
from bot.slack.people import SlackAdmins, SlackChannelMembers
from bot.slack.postmortem_publisher import SlackPostmortemPublisher
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
    slack = make_slack_client(settings)
    runbooks = load_catalog(settings.runbooks_dir)
    notifier = SlackNotifier(slack, settings=settings, clock=clock)
    admins = SlackAdmins(
        slack,
        user_ids=settings.admin_user_ids,
        group_ids=settings.admin_group_ids,
        clock=clock,
    )
    members = SlackChannelMembers(slack, clock=clock)
    incidents = IncidentService(
        uow=uow,
        notifier=notifier,
        clock=clock,
        timebox_of=timebox_lookup(runbooks),
        permissions=Permissions(admins=admins),
        members=members,
    )
    phases = PhaseService(
        uow=uow, notifier=notifier, incidents=incidents, catalog=runbooks, clock=clock
    )
    incidents.on_provisioned.append(phases.enter_first_phase)
    change_notifier = SlackChangeNotifier(slack)
    changes = ChangeService(uow=uow, notifier=change_notifier, clock=clock)
    # An incident opens with the answer to triage's first question: what changed before it.
    incidents.on_provisioned.append(changes.post_opening_digest)
    webhooks = WebhookService(
        uow=uow, incidents=incidents, changes=changes, notifier=change_notifier, clock=clock
    )
    reminders = ReminderService(
        uow=uow,
        notifier=notifier,
        catalog=runbooks,
        claimant=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}",
        cadences=cadences_from(settings),
        clock=clock,
    )
    slack_postmortem = SlackPostmortemPublisher(slack)
    reader = PostmortemReader(
        uow=uow,
        directory=slack_postmortem,
        clock=clock,
        template_dir=settings.runbooks_dir / "templates" if settings.runbooks_dir else None,
    )
    records = RecordsService(reader=reader, notifier=notifier, incidents=incidents)
    action_items = ActionItemService(reader=reader, notifier=notifier, incidents=incidents)
    postmortems = PostmortemService(
        reader=reader,
        notifier=notifier,
        publisher=slack_postmortem,
        incidents=incidents,
        archive_on_close=settings.archive_on_close,
    )
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
    )
    bolt = create_app(settings, deps)
    http = create_http_app(settings, deps, bolt, engine=engine)
    return Runtime(settings=settings, engine=engine, deps=deps, bolt=bolt, http=http)
