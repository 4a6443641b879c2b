"""`ai-incident serve` started as an operator starts it: its own process, in a folder whose
`.env` is the only configuration (nothing of ours inherited from the test's environment)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def write_dotenv(folder: Path, settings: dict[str, str]) -> None:
    (folder / ".env").write_text("".join(f"{name}={value}\n" for name, value in settings.items()))


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def start_serve(folder: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    """The running `serve` and its base URL, on a free port of 127.0.0.1."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AI_INCIDENT_"))}
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *options, "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return server, f"http://127.0.0.1:{port}"
