"""A `.env` file in the working directory, and nothing in the environment, configures every
command: the fix `serve` prints ("run `ai-incident db upgrade`") works with the same file."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from tests.cli.conftest import Slack
from tests.cli.serving import start_serve, write_dotenv
from tests.cli.test_cli_postmortem import _seed

START_DEADLINE_SECONDS = 60


def test_db_upgrade_reads_the_database_from_dotenv(
    bare: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A plain sqlite:/// URL, as the user would write it: the same normalisation as serve.
    write_dotenv(tmp_path, {"AI_INCIDENT_DATABASE_URL": f"sqlite:///{tmp_path / 'from-env.db'}"})

    assert main(["db", "upgrade"]) == 0

    assert "migrated the database" in capsys.readouterr().out
    assert sorted(path.name for path in tmp_path.glob("*.db")) == ["from-env.db"]


def test_postmortem_reads_the_database_from_dotenv(
    bare: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "incidents.db"
    write_dotenv(tmp_path, {"AI_INCIDENT_DATABASE_URL": f"sqlite:///{database}"})
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_seed(f"sqlite+aiosqlite:///{database}"))
    capsys.readouterr()

    assert main(["postmortem", "1"]) == 0

    assert capsys.readouterr().out.startswith("# Incident #1: Judge scores jumped overnight")


def test_serve_starts_from_dotenv_alone(
    bare: pytest.MonkeyPatch, tmp_path: Path, slack: Slack
) -> None:
    database = tmp_path / "bot.db"
    write_dotenv(
        tmp_path, {**slack.settings(), "AI_INCIDENT_DATABASE_URL": f"sqlite:///{database}"}
    )
    assert main(["db", "upgrade"]) == 0
    server, base = start_serve(tmp_path)
    try:
        ready = _wait_until_ready(server, f"{base}/readyz")
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = server.communicate(timeout=30)

    assert ready == {"status": "ready"}, err
    # A clean stop: shut down, closed, exit 0, no traceback.
    assert server.returncode == 0, err
    assert "Application shutdown complete" in err and "Traceback" not in err
    # The token from .env is the one the sandbox issued: any other gets invalid_auth at start.
    assert slack.methods_called()[0] == "auth.test"
    assert all(call.ok for call in slack.emulator.calls if call.method == "auth.test")


def _wait_until_ready(server: subprocess.Popen[str], url: str) -> object:
    """The /readyz answer once the server answers; fails if the process exits first."""
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited with {server.returncode}: {server.communicate()[1]}")
        try:
            return httpx.get(url, timeout=2).json()
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("serve did not answer /readyz")
