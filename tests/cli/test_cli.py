"""The command line: clear one-line failures, and `serve` refusing a schema that is behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main
from storage.migrate import head_revisions


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "AI_INCIDENT_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli-test-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "cli-signing-secret")
    monkeypatch.setenv("AI_INCIDENT_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    return monkeypatch


def test_serve_without_a_required_setting_says_which_in_one_line(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("SLACK_SIGNING_SECRET")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "ai-incident: setting SLACK_SIGNING_SECRET is missing: serve (HTTP mode) needs it "
        "(set it in the environment or in .env)\n"
    )


def test_serve_refuses_a_database_that_is_behind_and_names_the_command(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "ai-incident db upgrade" in err
    assert err.count("\n") == 1


def test_socket_mode_needs_an_app_token(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["serve", "--socket"]) == 2
    assert "SLACK_APP_TOKEN is missing: serve --socket needs it" in capsys.readouterr().err


def test_socket_mode_does_not_ask_for_the_signing_secret(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("SLACK_SIGNING_SECRET")
    env.setenv("SLACK_APP_TOKEN", "xapp-1-cli-test-secret")
    # It gets past the settings to the next check, the database (never migrated here).
    assert main(["serve", "--socket"]) == 2
    err = capsys.readouterr().err
    assert "SIGNING_SECRET" not in err
    assert "run `ai-incident db upgrade`" in err


def test_db_upgrade_is_idempotent_and_needs_no_slack_settings(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("SLACK_BOT_TOKEN")
    env.delenv("SLACK_SIGNING_SECRET")
    heads = ", ".join(sorted(head_revisions()))
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == (
        f"migrated the database from no revision (an empty database) to {heads}\n"
    )
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"database is up to date (at {heads})\n"


BROKEN_RUNBOOK = """\
name: broken
title: Broken
phases:
  - name: triage
    title: Triage
    timebox_minutes: fifteen
    checklist: []
  - name: triage
    title: Again
  - name: scope
    title: Scope
    timebox_minutes: 30
    colour: red
"""


def test_runbooks_check_reports_file_line_and_field(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "broken.yaml").write_text(BROKEN_RUNBOOK)
    assert main(["runbooks", "check", str(folder)]) == 1
    lines = capsys.readouterr().err.splitlines()
    path = str(folder / "broken.yaml")
    assert f"{path}:6: phases.0.timebox_minutes: " in "\n".join(lines)
    assert any(line.startswith(f"{path}:8: phases.1.name: ") for line in lines)  # duplicate
    assert any(line.startswith(f"{path}:8: phases.1.timebox_minutes: required") for line in lines)
    assert any(line.startswith(f"{path}:13: phases.2.colour: unknown key") for line in lines)


def test_serve_refuses_invalid_runbooks_with_the_same_message(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "broken.yaml").write_text(BROKEN_RUNBOOK)
    env.setenv("AI_INCIDENT_RUNBOOKS_DIR", str(folder))
    assert main(["db", "upgrade"]) == 0
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert f"{folder / 'broken.yaml'}:13: phases.2.colour: unknown key" in err
    assert "refusing to start" in err


def test_runbooks_check_passes_on_the_shipped_runbooks(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runbooks", "check"]) == 0
    assert "valid" in capsys.readouterr().out
