"""docs/deploy.md tells an operator how to delete what the bot copied from Slack.

The SQL there is run by hand, on production data, with no one to ask: it must name every table
that holds an incident's rows (a migration adding one must update it) and run as written.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from storage.migrate import upgrade_sync

DEPLOY_DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def _delete_incident_sql() -> str:
    text = DEPLOY_DOC.read_text("utf-8")
    block = re.search(r"```sql\n(BEGIN;.*?COMMIT;)\n```", text, re.DOTALL)
    assert block is not None, "docs/deploy.md has no BEGIN … COMMIT block to delete an incident"
    return block.group(1)


@pytest.fixture
def migrated_database(tmp_path: Path) -> Path:
    path = tmp_path / "ai-incident.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


def test_the_delete_covers_every_table_that_holds_an_incidents_rows(
    migrated_database: Path,
) -> None:
    with sqlite3.connect(migrated_database) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        holding = {
            table
            for table in tables
            if any(col[1] == "incident_number" for col in db.execute(f"PRAGMA table_info({table})"))
        }
    deleted = set(
        re.findall(r"DELETE FROM (\w+)\s+WHERE incident_number = N;", _delete_incident_sql())
    )
    assert holding - deleted == set(), "these tables keep a deleted incident's rows"
    assert "DELETE FROM incident        WHERE number = N;" in _delete_incident_sql()


def test_the_delete_runs_as_written_and_removes_the_copied_text(migrated_database: Path) -> None:
    db = sqlite3.connect(migrated_database, isolation_level=None)
    try:
        # Foreign keys on: a statement out of order would be refused, as PostgreSQL refuses it.
        db.execute("PRAGMA foreign_keys = ON")
        for number in (1, 2):
            db.execute(
                "INSERT INTO incident (number, title, severity, category, phase, status, runbook,"
                " declared_at) VALUES (?, 'Answers cite made-up cases', 'S2', 'silent_drift',"
                " 'triage', 'open', 'default', '2026-01-05 10:00:00')",
                (number,),
            )
            db.execute(
                "INSERT INTO timeline_event (incident_number, occurred_at, recorded_at, kind,"
                " source, summary, details) VALUES (?, '2026-01-05 10:01:00',"
                " '2026-01-05 10:01:00', 'slack_message', 'slack', 'Smith v. Jones (2031)', '{}')",
                (number,),
            )
        db.executescript(_delete_incident_sql().replace("= N;", "= 1;"))
        remaining = db.execute("SELECT incident_number FROM timeline_event").fetchall()
        assert remaining == [(2,)], "only incident 1's copied text is gone"
        assert db.execute("SELECT number FROM incident").fetchall() == [(2,)]
    finally:
        db.close()
