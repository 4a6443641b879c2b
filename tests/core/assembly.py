"""The core's services wired as bot/runtime.py wires them, on in-memory fakes: no database, no
HTTP, no Slack, and time only moves when the test moves it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from bot.core.cases.service import CaseService
from bot.core.changes.service import ChangeService
from bot.core.changes.webhook_service import WebhookService
from bot.core.home.service import HomeService
from bot.core.incidents.model import Category, DeclareInput, Incident, Severity
from bot.core.incidents.service import IncidentService
from bot.core.outbox import Outbox
from bot.core.postmortem.action_items_service import ActionItemService
from bot.core.postmortem.reader import PostmortemReader
from bot.core.postmortem.records_service import RecordsService
from bot.core.postmortem.service import PostmortemService
from bot.core.reminders.service import ReminderService
from bot.core.runbooks.loader import load_catalog
from bot.core.runbooks.model import RunbookCatalog
from bot.core.runbooks.service import PhaseService
from bot.slack.projection import merge
from bot.slack.projection.changes import ChangeProjection
from bot.slack.projection.incidents import IncidentProjection
from bot.slack.projection.postmortem import PostmortemProjection
from bot.slack.projection.runbooks import RunbookProjection
from bot.slack.projector import Projector
from tests.fakes.clock import FakeClock
from tests.fakes.slack import (
    FakeUserDirectory,
    RecordingChangeNotifier,
    RecordingNotifier,
    RecordingPublisher,
)
from tests.fakes.storage import InMemoryStorage

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
FEATURE = "legal-research-rag"


@cache
def shipped_runbooks() -> RunbookCatalog:
    """Loaded once per test session: reading the YAML files is the slow part of a test."""
    return load_catalog()


@dataclass
class Core:
    clock: FakeClock = field(default_factory=FakeClock)
    storage: InMemoryStorage = field(default_factory=InMemoryStorage)
    slack: RecordingNotifier = field(
        default_factory=lambda: RecordingNotifier(announce_channel="C0ANNOUNCE")
    )
    change_slack: RecordingChangeNotifier = field(default_factory=RecordingChangeNotifier)
    publisher: RecordingPublisher = field(default_factory=RecordingPublisher)
    directory: FakeUserDirectory = field(
        default_factory=lambda: FakeUserDirectory({ALICE: "alice", BOB: "bob", CAROL: "carol"})
    )
    archive_on_close: bool = False

    def __post_init__(self) -> None:
        catalog = shipped_runbooks()
        self.incidents = IncidentService(
            uow=self.storage, chat=self.slack, clock=self.clock, runbooks=catalog
        )
        self.phases = PhaseService(
            uow=self.storage, incidents=self.incidents, catalog=catalog, clock=self.clock
        )
        self.changes = ChangeService(uow=self.storage, clock=self.clock)
        self.webhooks = WebhookService(
            uow=self.storage, incidents=self.incidents, changes=self.changes, clock=self.clock
        )
        self.reminders = ReminderService(
            uow=self.storage,
            notifier=self.slack,
            catalog=catalog,
            claimant="replica-a",
            clock=self.clock,
        )
        reader = PostmortemReader(uow=self.storage, directory=self.directory, clock=self.clock)
        self.cases = CaseService(uow=self.storage, clock=self.clock, reader=reader)
        self.records = RecordsService(reader=reader)
        self.action_items = ActionItemService(reader=reader, incidents=self.incidents)
        self.home = HomeService(uow=self.storage)
        self.postmortems = PostmortemService(reader=reader, incidents=self.incidents)
        self.outbox = Outbox(uow=self.storage, claimant="replica-a", clock=self.clock)
        self.projector = Projector(
            self.outbox,
            merge(
                IncidentProjection(
                    incidents=self.incidents, slack=self.slack, outbox=self.outbox, clock=self.clock
                ).handlers(),
                RunbookProjection(phases=self.phases, slack=self.slack).handlers(),
                ChangeProjection(
                    incidents=self.incidents,
                    changes=self.changes,
                    slack=self.change_slack,
                    finder=self.slack,
                ).handlers(),
                PostmortemProjection(
                    reader=reader, publisher=self.publisher, archive_on_close=self.archive_on_close
                ).handlers(),
            ),
        )
        # Effects are performed when the use case's transaction commits, before it returns, as
        # the projector of a running bot does right after (with no background task to wait for).
        self.storage.on_events = self._project

    async def _project(self, incident_numbers: set[int]) -> None:
        await self.projector.drain()

    async def declare(
        self,
        title: str = "Legal research assistant cites cases that do not exist",
        *,
        severity: Severity = Severity.S2,
        reporter: str = ALICE,
        ai_feature: str | None = FEATURE,
        regression_started_at: datetime | None = None,
        key: str | None = None,
    ) -> Incident:
        """Declare an incident as the modal would, and return it provisioned (the projector
        made its channel when the declaration committed)."""
        incident, created = await self.incidents.declare(
            DeclareInput(
                title=title,
                severity=severity,
                category=Category.USER_VISIBLE_REGRESSION,
                ai_feature=ai_feature,
                regression_started_at=regression_started_at,
                reporter_id=reporter,
                idempotency_key=key,
            )
        )
        assert created
        return self.storage.incident(incident.number or 0)

    @staticmethod
    def channel_of(incident: Incident) -> str:
        assert incident.channel_id is not None
        return incident.channel_id
