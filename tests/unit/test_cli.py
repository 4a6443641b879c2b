"""The command line: clear one-line failures, and `serve` refusing a schema that is behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main


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
    assert err == "ai-incident: setting SLACK_SIGNING_SECRET is missing\n"


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
    assert "SLACK_APP_TOKEN" in capsys.readouterr().err


def test_db_upgrade_is_idempotent_and_needs_no_slack_settings(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.delenv("SLACK_BOT_TOKEN")
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out
