"""Shared by the benches that run `ai-incident serve` as an operator does: a Slack sandbox, a
working directory with only our settings in its `.env`, and the command in a subprocess.

`tree` picks the source tree the command runs from (this one by default, or another checkout,
e.g. an export of main, for before/after figures in one run): its directory goes first on
PYTHONPATH, so `python -m bot` imports that tree's code.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from slack_sandbox import SlackEmulator
from slack_sandbox.emulator import DEFAULT_BOT_TOKEN
from slack_sandbox.server import SandboxServer

HERE = Path(__file__).resolve().parent.parent
API_TOKEN = "bench-api-token-not-a-real-one"
WEBHOOK_SECRET = "whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQtbm90LWEtcmVhbC1vbmU="
SIGNING_SECRET = "bench-signing-secret"
DEADLINE_SECONDS = 60  # bounds a wait for another process; never a measured figure


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(SlackEmulator()) as server:
        yield server


def environment(tree: Path, settings: dict[str, str]) -> dict[str, str]:
    """The process environment for a command of `tree`: nothing of ours but `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "AI_INCIDENT_"))}
    env.update(settings)
    env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def serve_settings(slack: SandboxServer, database_url: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": DEFAULT_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "AI_INCIDENT_DATABASE_URL": database_url,
        "AI_INCIDENT_API_TOKEN": API_TOKEN,
        "AI_INCIDENT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "AI_INCIDENT_LOG_LEVEL": "WARNING",
    }


def run_command(tree: Path, args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"ai-incident {' '.join(args)} failed in {tree}: {done.stderr}")


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    started: float  # time.perf_counter() just before the process was spawned
    healthy_after: float  # seconds from spawn to the first /healthz 200


def wait_healthy(process: subprocess.Popen[bytes], url: str, started: float) -> float:
    deadline = time.monotonic() + DEADLINE_SECONDS
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode}")
            try:
                if client.get(url).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.005)
    raise SystemExit(f"{url} never answered 200")


@contextmanager
def serving(tree: Path, env: dict[str, str], cwd: Path) -> Iterator[Served]:
    """`ai-incident serve` of `tree` on a free port, healthy when yielded; stopped after."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        healthy_after = wait_healthy(process, f"{base}/healthz", started)
        yield Served(process, base, started, healthy_after)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
