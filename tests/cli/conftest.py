"""The command line as a user meets it: a working directory with nothing of ours in the
environment, and (for `serve`) a Slack sandbox standing in for Slack."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from slack_sandbox import SlackEmulator
from slack_sandbox.emulator import DEFAULT_BOT_TOKEN
from slack_sandbox.server import SandboxServer

SIGNING_SECRET = "cli-signing-secret-value"


@pytest.fixture
def bare(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No SLACK_* or AI_INCIDENT_* variable set, and `tmp_path` (no .env yet) as the working
    directory."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "AI_INCIDENT_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@dataclass
class Slack:
    emulator: SlackEmulator
    server: SandboxServer

    def settings(self, *, token: str = DEFAULT_BOT_TOKEN) -> dict[str, str]:
        """What `serve` in HTTP mode needs to talk to this sandbox."""
        return {
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.server.api_url,
        }

    def methods_called(self) -> list[str]:
        return [call.method for call in self.emulator.calls]


@pytest.fixture
def slack() -> Iterator[Slack]:
    emulator = SlackEmulator()
    with SandboxServer(emulator) as server:
        yield Slack(emulator, server)
