"""Timelines stored by earlier versions, with Slack markup in their summaries, read as plain
words after `ai-incident db upgrade` (revision 0006)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection

from bot.core.incidents.model import Incident
from bot.core.timeline import TimelineEvent, TimelineKind
from storage.engine import create_engine, create_session_factory
from storage.migrate import alembic_config, upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory

_INCIDENT_AT_0005 = sa.table(
    "incident",
    sa.column("title"),
    sa.column("severity"),
    sa.column("category"),
    sa.column("phase"),
    sa.column("status"),
    sa.column("runbook"),
    sa.column("declared_at", sa.DateTime(timezone=True)),
)

IncidentBuilder = Callable[..., Incident]
EventBuilder = Callable[..., TimelineEvent]


async def _upgrade_to(url: str, revision: str) -> None:
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def test_summaries_with_slack_markup_become_plain_words_naming_people(
    database_url: str, new_incident: IncidentBuilder, new_event: EventBuilder
) -> None:
    await _upgrade_to(database_url, "0005")
    engine = create_engine(database_url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    try:
        # The incident as revision 0005 stored it: today's model has columns it did not have.
        incident = new_incident()
        async with engine.begin() as connection:
            inserted: sa.CursorResult[Any] = await connection.execute(
                sa.insert(_INCIDENT_AT_0005)
                .values(
                    title=incident.title,
                    severity=incident.severity.value,
                    category=incident.category.value,
                    phase=incident.phase,
                    status=incident.status.value,
                    runbook=incident.runbook,
                    declared_at=incident.declared_at,
                )
                .returning(sa.column("number"))
            )
            number = inserted.scalar_one()
        async with uow() as tx:
            for kind, summary in [
                (TimelineKind.ROLE, "<@U0BOB> is comms (was <@U0ALICE>)"),
                (TimelineKind.STATUS, "Incident declared: Q&A <answers> drift"),
                (
                    TimelineKind.SLACK_MESSAGE,
                    "<!here> <@U0CAROL|carol> see <https://x.example/r?a=1&amp;b=2|the run> "
                    "in <#C01|ops>: p &lt; 0.05",
                ),
            ]:
                await tx.timeline.add(event=new_event(number, kind=kind, summary=summary))

        await upgrade(database_url)

        async with uow() as tx:
            events = await tx.timeline.list_for(incident_number=number)
    finally:
        await engine.dispose()

    assert [(e.summary, e.user_ids) for e in events] == [
        ("@U0BOB is comms (was @U0ALICE)", ["U0BOB", "U0ALICE"]),
        ("Incident declared: Q&A <answers> drift", []),
        ("@here @U0CAROL see the run (https://x.example/r?a=1&b=2) in #ops: p < 0.05", ["U0CAROL"]),
    ]
