"""`ai-incident postmortem ID`: the stored postmortem, or a draft while the incident runs, and
which of the two it is on stderr."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.incidents.model import Category, Incident, Severity, Status
from bot.core.postmortem.analysis import AxisFinding, RootCause
from bot.core.postmortem.reader import PostmortemReader
from bot.core.timeline import Axis
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_sync
from storage.unit_of_work import SqlUnitOfWorkFactory

DECLARED = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


async def _seed(url: str) -> None:
    """#1 open with a root cause recorded; #2 closed with its postmortem stored."""
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    try:
        async with uow() as tx:
            first = await tx.incidents.add(
                incident=Incident(
                    title="Judge scores jumped overnight",
                    severity=Severity.S3,
                    category=Category.SILENT_DRIFT,
                    declared_at=DECLARED,
                )
            )
            await tx.analysis.save_root_cause(
                incident_number=first.number or 0,
                root_cause=RootCause(
                    axes=[
                        AxisFinding(
                            axis=Axis.JUDGE,
                            what_changed="Judge v8 rolled out",
                            evidence_url="https://git.example.com/judge/-/tags/v8",
                        )
                    ],
                    first_axis=Axis.JUDGE,
                ),
            )
            second = await tx.incidents.add(
                incident=Incident(
                    title="Escalation storm",
                    severity=Severity.S2,
                    category=Category.USER_VISIBLE_REGRESSION,
                    status=Status.CLOSED,
                    declared_at=DECLARED,
                    closed_at=DECLARED.replace(day=6),
                )
            )
        reader = PostmortemReader(uow=uow)
        _, postmortem = await reader.compile_draft(second.number or 0)
        async with uow() as tx:
            await tx.postmortems.save(incident_number=second.number or 0, postmortem=postmortem)
    finally:
        await engine.dispose()


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "AI_INCIDENT_")):
            monkeypatch.delenv(name)
    url = f"sqlite+aiosqlite:///{tmp_path / 'pm.db'}"
    monkeypatch.setenv("AI_INCIDENT_DATABASE_URL", url)
    return url


def test_an_open_incident_prints_a_draft_and_says_so(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade_sync(database)
    asyncio.run(_seed(database))
    assert main(["postmortem", "1"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# Incident #1: Judge scores jumped overnight")
    assert "- **Axis:** Judge (moved first)" in out
    assert "incident #1 is still open: a draft compiled now" in err


def test_a_closed_incident_prints_its_stored_postmortem_as_json(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade_sync(database)
    asyncio.run(_seed(database))
    assert main(["postmortem", "#2", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["schema"] == "ai-incident.postmortem/1"
    assert data["incident"]["title"] == "Escalation storm"
    assert "incident #2 is closed: its postmortem as stored" in err


def test_failures_are_one_line(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["postmortem", "1"]) == 2
    assert "ai-incident db upgrade" in capsys.readouterr().err
    upgrade_sync(database)
    assert main(["postmortem", "7"]) == 2
    assert capsys.readouterr().err == "ai-incident: There is no incident #7.\n"
    with pytest.raises(SystemExit):
        main(["postmortem", "seven"])
    assert "is not an incident number" in capsys.readouterr().err
