"""Every start-up failure is one line on stderr that names the fix, a non-zero exit, no
traceback, and nothing done before it: no file created, nothing migrated, no port bound, no tick.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.cli import main
from bot.cli.serve import check_bot_token
from bot.config import load_settings
from storage.migrate import upgrade_sync
from tests.cli.conftest import Slack

POSTGRES_URL_ENV = "AI_INCIDENT_TEST_POSTGRES_URL"
# Read now: the `bare` fixture clears every AI_INCIDENT_* variable.
POSTGRES_SERVER = os.environ.get(POSTGRES_URL_ENV)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert err.startswith("ai-incident: ")
    return err.strip()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def listening() -> Iterator[int]:
    """A port something else already listens on."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        yield int(taken.getsockname()[1])


@pytest.fixture
def migrated(bare: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    database = tmp_path / "bot.db"
    upgrade_sync(f"sqlite:///{database}")
    bare.setenv("AI_INCIDENT_DATABASE_URL", f"sqlite:///{database}")
    return database


# ---- the database ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["serve"], ["postmortem", "1"], ["cases", "export", "1"]]
)
def test_a_postgresql_url_without_asyncpg_says_what_to_install(
    bare: pytest.MonkeyPatch,
    slack: Slack,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    for name, value in slack.settings().items():
        bare.setenv(name, value)
    bare.setenv("AI_INCIDENT_DATABASE_URL", "postgres://bot:pw@127.0.0.1:1/incidents")
    bare.setitem(sys.modules, "asyncpg", None)  # what an install without the extra looks like

    assert main(command) == 2
    line = one_line(capsys)
    assert "pip install 'ai-incident[postgres]'" in line
    assert "pw" not in line


@pytest.mark.parametrize("command", [["serve"], ["postmortem", "1"], ["cases", "export", "1"]])
def test_a_missing_sqlite_file_names_db_upgrade_and_is_not_created(
    bare: pytest.MonkeyPatch,
    tmp_path: Path,
    slack: Slack,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    for name, value in slack.settings().items():
        bare.setenv(name, value)
    database = tmp_path / "never-made.db"
    bare.setenv("AI_INCIDENT_DATABASE_URL", f"sqlite:///{database}")

    assert main(command) == 2
    line = one_line(capsys)
    assert f"database file {database} does not exist" in line
    assert line.endswith("run `ai-incident db upgrade`")
    assert list(tmp_path.iterdir()) == []
    assert slack.methods_called() == []


def test_db_upgrade_into_a_missing_folder_names_it_and_creates_nothing(
    bare: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "data" / "bot"
    bare.setenv("AI_INCIDENT_DATABASE_URL", f"sqlite:///{folder / 'bot.db'}")

    assert main(["db", "upgrade"]) == 2
    assert f"the folder {folder} of the SQLite database does not exist" in one_line(capsys)
    assert list(tmp_path.iterdir()) == []


def _postgres_server() -> str:
    if not POSTGRES_SERVER:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    return POSTGRES_SERVER


def _unusable_url(where: str) -> str:
    if where == "closed-port":
        return "postgresql://bot:s3cret@127.0.0.1:1/incidents"
    if where == "unknown-host":
        return "postgresql://bot:s3cret@db.invalid/incidents"
    server = make_url(_postgres_server())
    if where == "unknown-database":
        return server.set(database="ops_cli_no_such_db").render_as_string(hide_password=False)
    return server.set(username="ops_cli_no_such_role", password="s3cret").render_as_string(
        hide_password=False
    )


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("closed-port", "nothing accepts connections at 127.0.0.1:1: start PostgreSQL there"),
        ("unknown-host", "database host 'db.invalid' is not known"),
        ("unknown-database", "database 'ops_cli_no_such_db' does not exist on"),
        ("unknown-role", "rejected user 'ops_cli_no_such_role'"),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["serve"], ["postmortem", "1"]])
def test_postgresql_that_cannot_be_used_is_one_line(
    bare: pytest.MonkeyPatch,
    slack: Slack,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    where: str,
    expected: str,
) -> None:
    for name, value in slack.settings().items():
        bare.setenv(name, value)
    bare.setenv("AI_INCIDENT_DATABASE_URL", _unusable_url(where))

    assert main(command) == 2
    line = one_line(capsys)
    assert expected in line
    assert "AI_INCIDENT_DATABASE_URL" in line
    assert "s3cret" not in line
    assert slack.methods_called() == []


def test_malformed_database_url_is_one_line_naming_the_setting(
    bare: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bare.setenv("AI_INCIDENT_DATABASE_URL", "mysql://root:hunter2@db/incidents")
    assert main(["db", "upgrade"]) == 2
    line = one_line(capsys)
    assert line.startswith("ai-incident: setting AI_INCIDENT_DATABASE_URL is malformed")
    assert "hunter2" not in line


# ---- Slack and the port ----------------------------------------------------------------


@pytest.mark.allows_slack_rejections
@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_rejected_bot_token_stops_serve_before_the_port_and_any_tick(
    migrated: Path,
    bare: pytest.MonkeyPatch,
    slack: Slack,
    listening: int,
    capsys: pytest.CaptureFixture[str],
    error: str,
) -> None:
    token = "xoxb-revoked-0000-secret-part"
    for name, value in slack.settings(token=token).items():
        bare.setenv(name, value)
    if error != "invalid_auth":  # the sandbox answers invalid_auth to a token it did not issue
        bare.setenv("SLACK_BOT_TOKEN", slack.settings()["SLACK_BOT_TOKEN"])
        slack.emulator.fail("auth.test", error=error)
    before = digest(migrated)

    # The port is taken too: the token is checked first, so the line is about the token.
    assert main(["serve", "--port", str(listening)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"ai-incident: SLACK_BOT_TOKEN was rejected by Slack ({error}): ")
    assert "secret-part" not in line
    assert slack.methods_called() == ["auth.test"]
    assert digest(migrated) == before


def test_a_busy_port_stops_serve_before_anything_ran(
    migrated: Path,
    bare: pytest.MonkeyPatch,
    slack: Slack,
    listening: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in slack.settings().items():
        bare.setenv(name, value)
    # A reminder tick every 0.01 s would have written by now had the runtime started.
    bare.setenv("AI_INCIDENT_REMINDER_TICK_SECONDS", "0.01")
    before = digest(migrated)

    assert main(["serve", "--host", "127.0.0.1", "--port", str(listening)]) == 2
    line = one_line(capsys)
    assert line == (
        f"ai-incident: port {listening} on 127.0.0.1 is already in use: stop what listens "
        "there or pass another --port"
    )
    assert slack.methods_called() == ["auth.test"]  # the token check, and nothing after it
    assert digest(migrated) == before


async def test_slack_unreachable_at_start_is_a_warning_not_a_failure(
    bare: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings = load_settings(
        _env_file=None,
        slack_bot_token="xoxb-unreachable-secret-part",
        slack_api_url="http://127.0.0.1:1/api/",
    )
    with caplog.at_level(logging.WARNING, logger="bot.cli.serve"):
        await check_bot_token(settings)  # returns: serve goes on and /readyz tells the rest
    assert "could not reach Slack at http://127.0.0.1:1/api/" in caplog.text
    assert "secret-part" not in caplog.text


@pytest.mark.allows_slack_rejections
async def test_slack_failing_at_start_is_a_warning_not_a_failure(
    bare: pytest.MonkeyPatch, slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    slack.emulator.fail("auth.test", status=503)
    settings = load_settings(
        _env_file=None,
        slack_bot_token=slack.settings()["SLACK_BOT_TOKEN"],
        slack_api_url=slack.server.api_url,
    )
    with caplog.at_level(logging.WARNING, logger="bot.cli.serve"):
        await check_bot_token(settings)
    assert "starting anyway" in caplog.text
    assert slack.methods_called() == ["auth.test"]  # asked once, not retried at start
