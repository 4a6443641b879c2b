"""`ai-incident serve --socket` as an operator starts it: no signing secret, the HTTP side up
before Slack answers, and commands over the WebSocket once the link is there."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bot.cli import main
from slack_sandbox.socket_driver import SocketModeSlack
from slack_sandbox.socket_mode import DEFAULT_APP_TOKEN
from tests.cli.conftest import Slack
from tests.cli.serving import start_serve, write_dotenv

# Bounds a wait on another process; never a measured figure.
DEADLINE_SECONDS = 60


def test_serve_socket_answers_probes_while_slack_is_away_then_takes_commands(
    bare: pytest.MonkeyPatch, tmp_path: Path, slack: Slack
) -> None:
    settings = {**slack.settings(), "SLACK_APP_TOKEN": DEFAULT_APP_TOKEN}
    del settings["SLACK_SIGNING_SECRET"]  # Socket Mode payloads are not signed
    write_dotenv(tmp_path, {**settings, "AI_INCIDENT_DATABASE_URL": "sqlite:///bot.db"})
    assert main(["db", "upgrade"]) == 0
    hub = slack.emulator.socket_mode
    asyncio.run(hub.take_down())  # Slack's WebSocket side is out when the bot starts
    server, base = start_serve(tmp_path, "--socket")
    try:
        alive = _when(server, lambda: httpx.get(f"{base}/healthz", timeout=2))
        unready = httpx.get(f"{base}/readyz", timeout=5)
        # Nothing is signed in Socket Mode, so nothing posted to /slack/events is believed.
        events = httpx.post(f"{base}/slack/events", content=b"{}", timeout=5)

        hub.bring_up()
        ready = _when(server, lambda: _ready(httpx.get(f"{base}/readyz", timeout=5)))
        general = slack.emulator.channel_by_name("general")
        assert general is not None
        helped = asyncio.run(
            SocketModeSlack(emulator=slack.emulator).slash(
                "help", user="U0ALICE", channel=general.id
            )
        )
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)

    assert alive.status_code == 200, err
    assert unready.status_code == 503 and "Socket Mode" in unready.json()["reason"], err
    assert events.status_code == 404
    assert ready.json() == {"status": "ready"}
    assert helped.status_code == 200 and "/ai-incident" in helped.json()["text"], err
    assert "Traceback" not in err


def _ready(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise httpx.TransportError("not ready yet")
    return response


def _when(server: subprocess.Popen[str], ask: object) -> httpx.Response:
    """What `ask()` answers once it stops raising; fails if serve exits first."""
    assert callable(ask)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited with {server.returncode}: {server.communicate()[1]}")
        try:
            answer = ask()
            assert isinstance(answer, httpx.Response)
            return answer
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("serve never answered as expected")
