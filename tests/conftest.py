"""Database fixtures for every test folder (each test gets an empty database of its own), and
builders of domain objects to store in them.

`backend` runs a test on SQLite and on PostgreSQL. PostgreSQL needs a server, named by
AI_INCIDENT_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test); each
test gets a fresh database created on it and dropped afterwards. Without the variable the
PostgreSQL cases are skipped, unless AI_INCIDENT_REQUIRE_POSTGRES=1 (as in CI), where a backend
that did not run must fail the build rather than pass it by omission.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.incidents.model import Category, HowDetected, Incident, Severity, Status
from bot.core.timeline import TimelineEvent, TimelineKind
from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from storage.engine import async_url, create_engine, create_session_factory, safe_url
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes.clock import FakeClock
from tests.rig import (
    API_TOKEN,
    WEBHOOK_SECRET,
    Declare,
    OpenRig,
    Strictness,
    sqlite_file_url,
    strict_rehearsal,
)

POSTGRES_URL_ENV = "AI_INCIDENT_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "AI_INCIDENT_REQUIRE_POSTGRES"


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """The command line configures logging for the whole process (`main()` runs in-process in
    many tests): put the loggers back after each test, as a new process would have them."""
    root = logging.getLogger()
    factory = logging.getLogRecordFactory()
    loggers = [
        root,
        *(v for v in logging.root.manager.loggerDict.values() if isinstance(v, logging.Logger)),
    ]
    saved = [(lg, lg.level, lg.handlers[:], lg.propagate) for lg in loggers]
    yield
    logging.setLogRecordFactory(factory)
    for lg, level, handlers, propagate in saved:
        lg.setLevel(level)
        lg.handlers[:] = handlers
        lg.propagate = propagate


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database on `backend`, gone after the test."""
    if backend == "sqlite":
        yield sqlite_file_url(tmp_path)
        return
    async with _fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def migrated_url(database_url: str) -> str:
    """`database_url` with the schema at head."""
    await upgrade(database_url)
    return database_url


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file, for tests that need a database but not both backends."""
    url = sqlite_file_url(tmp_path)
    await upgrade(url)
    return url


@pytest.fixture
async def session_factory(migrated_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(migrated_url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def uow_factory(session_factory: async_sessionmaker[AsyncSession]) -> SqlUnitOfWorkFactory:
    """Units of work on a migrated database of `backend`."""
    return SqlUnitOfWorkFactory(session_factory)


# ---- domain builders -------------------------------------------------------------------

# Not UTC on purpose: storage must return the same instant, in UTC.
BERLIN_SUMMER = timezone(timedelta(hours=2))
DECLARED_AT = datetime(2025, 6, 3, 9, 30, tzinfo=BERLIN_SUMMER)

IncidentBuilder = Callable[..., Incident]
EventBuilder = Callable[..., TimelineEvent]


@pytest.fixture
def new_incident() -> IncidentBuilder:
    def build(**overrides: Any) -> Incident:
        fields: dict[str, Any] = {
            "title": "Refusals doubled on the support assistant",
            "severity": Severity.S2,
            "category": Category.SILENT_DRIFT,
            "declared_at": DECLARED_AT,
        }
        return Incident(**(fields | overrides))

    return build


@pytest.fixture
def new_event() -> EventBuilder:
    def build(incident_number: int, **overrides: Any) -> TimelineEvent:
        fields: dict[str, Any] = {
            "incident_number": incident_number,
            "occurred_at": datetime(2025, 6, 3, 8, 0, tzinfo=UTC),
            "recorded_at": datetime(2025, 6, 3, 9, 31, tzinfo=UTC),
            "kind": TimelineKind.NOTE,
            "summary": "Judge scores dropped on the refund slice",
        }
        return TimelineEvent(**(fields | overrides))

    return build


@pytest.fixture
def complete_incident(new_incident: IncidentBuilder) -> Incident:
    """An incident with no field left at its default, so a column that is not stored shows."""
    incident = new_incident(
        phase="mitigate",
        runbook="judge-drift",
        ai_feature="support assistant",
        how_detected=HowDetected.DASHBOARD_ALERT,
        description="Refusal rate on refund questions went from 2% to 9%.",
        reporter_id="U0REPORTER",
        commander_id="U0COMMANDER",
        comms_id="U0COMMS",
        scribe_id="U0SCRIBE",
        channel_id="C0INCIDENT",
        channel_name="aiinc-1-refusals-doubled",
        card_ts="1717400000.000100",
        declare_key="modal-submission-42",
        last_update_text="Rolled back prompt v41; watching refusal rate.",
        last_update_at=DECLARED_AT + timedelta(hours=2),
        regression_started_at=DECLARED_AT - timedelta(days=1),
        first_alarm_at=DECLARED_AT - timedelta(hours=3),
        phase_started_at=DECLARED_AT + timedelta(hours=1),
        mitigated_at=DECLARED_AT + timedelta(hours=4),
        status=Status.OPEN,
        closed_at=None,
        private=True,
        severity=Severity.S1,
        category=Category.RELEASE_GATE_ESCAPE,
    )
    unset = set(Incident.model_fields) - incident.model_fields_set - {"number"}
    assert not unset, f"fill these new Incident fields in complete_incident: {sorted(unset)}"
    return incident


# ---- PostgreSQL --------------------------------------------------------------------------


def _postgres_unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(
            f"PostgreSQL is required ({REQUIRE_POSTGRES_ENV}=1) but {reason}", pytrace=False
        )
    pytest.skip(f"PostgreSQL backend not tested: {reason}")


@asynccontextmanager
async def _fresh_postgres_database() -> AsyncIterator[str]:
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        _postgres_unavailable(f"{POSTGRES_URL_ENV} is not set")
    server = async_url(server_url)
    # CREATE/DROP DATABASE cannot run inside a transaction.
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"aiinc_test_{uuid.uuid4().hex[:16]}"
    try:
        try:
            async with admin.connect() as connection:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as error:  # refused, unknown host, bad role: all mean "not tested"
            _postgres_unavailable(
                f"no database could be created on {safe_url(server)}: "
                f"{type(error).__name__}: {error}"
            )
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                # FORCE: a failed test may have left a connection open.
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


# -- end-to-end: the real app against the Slack sandbox (strict: see tests/rig.py) ------------


@pytest.fixture
def open_rig(request: pytest.FixtureRequest) -> OpenRig:
    """Opens a strict rehearsal with this test's allowances, for tests that need settings or
    more than one app on the same database."""
    strictness = Strictness.of(request.node)

    def open_strict(**arguments: Any) -> AbstractAsyncContextManager[Rehearsal]:
        return strict_rehearsal(strictness=strictness, **arguments)

    return open_strict


@pytest.fixture
async def rig(tmp_path: Path, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    """The app on a fresh SQLite file, talking to a fresh sandbox with #general and
    #ai-incidents (the announce channel)."""
    emulator = SlackEmulator()
    announce = emulator.add_channel("ai-incidents")
    async with open_rig(
        database_url=sqlite_file_url(tmp_path), emulator=emulator, announce_channel=announce.id
    ) as running:
        yield running


@pytest.fixture
async def pg_rig(database_url: str, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    """The same rig on either backend (parametrized by `backend`)."""
    emulator = SlackEmulator()
    announce = emulator.add_channel("ai-incidents")
    async with open_rig(
        database_url=database_url, emulator=emulator, announce_channel=announce.id
    ) as running:
        yield running


@pytest.fixture
def declare(rig: Rehearsal) -> Declare:
    """Type `/ai-incident open <title>` in #general, fill the modal, submit, wait for the bot."""

    async def run(
        title: str = "Legal research assistant cites cases that do not exist",
        *,
        user: str = "U0ALICE",
        **values: Any,
    ) -> Incident:
        general = rig.emulator.channel_by_name("general")
        assert general is not None
        response = await rig.slack.slash(f"open {title}", user=user, channel=general.id)
        assert response.status_code == 200
        await rig.slack.settle()
        view = rig.emulator.open_views(user)[-1]
        fields = {"severity": "S2", "category": "user_visible_regression", **values}
        submitted = await rig.slack.submit_view(view.id, fields, user=user)
        assert submitted.status_code == 200
        await rig.slack.settle()
        incidents = await rig.runtime.deps.incidents.list_open()
        return max(incidents, key=lambda i: i.number or 0)

    return run


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def clocked_rig(
    tmp_path: Path, clock: FakeClock, open_rig: OpenRig
) -> AsyncIterator[Rehearsal]:
    """The rig with a hand-moved clock, for reminders and timeboxes."""
    async with open_rig(
        database_url=sqlite_file_url(tmp_path), emulator=SlackEmulator(), clock=clock
    ) as running:
        yield running


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database (required in CI; see the module docstring)."""
    async with _fresh_postgres_database() as url:
        yield url


# -- the REST API: the change ledger, webhooks and incidents ------------------------------------


@pytest.fixture
async def api_rig(tmp_path: Path, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    """The rig with the REST API on: AI_INCIDENT_API_TOKEN and AI_INCIDENT_WEBHOOK_SECRET set
    (to API_TOKEN and WEBHOOK_SECRET), #ai-incidents as the announce channel."""
    emulator = SlackEmulator()
    announce = emulator.add_channel("ai-incidents")
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=emulator,
        announce_channel=announce.id,
        api_token=API_TOKEN,
        webhook_secret=WEBHOOK_SECRET,
    ) as running:
        yield running
