"""The real app wired to the Slack sandbox: what the demo runs and the end-to-end tests drive.

Nothing here is a stand-in for production code: `build_runtime` is the same assembly `serve`
uses; only SLACK_API_URL points at the local emulator and requests come signed from
`ScriptedSlack` instead of from Slack.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from bot.config import Settings, load_settings
from bot.core.clock import Clock
from bot.runtime import Runtime, build_runtime
from bot.slack.ids import CallbackId
from slack_sandbox import DEFAULT_BOT_TOKEN, SandboxServer, ScriptedSlack, SlackEmulator
from storage.migrate import upgrade

SANDBOX_SIGNING_SECRET = "sandbox-signing-secret-not-a-real-one"
# The shortcuts' names as manifest.yml installs them (a test keeps the two equal): a person picks
# "Add to incident timeline" in the "..." menu, never the callback id.
SHORTCUT_NAMES: dict[str, str] = {
    CallbackId.TIMELINE_SHORTCUT: "Add to incident timeline",
    CallbackId.CASE_SHORTCUT: "Add as regression case",
}


@dataclass
class Rehearsal:
    emulator: SlackEmulator
    server: SandboxServer
    settings: Settings
    runtime: Runtime
    http: httpx.AsyncClient
    slack: ScriptedSlack


@contextlib.asynccontextmanager
async def rehearsal(
    *,
    database_url: str,
    emulator: SlackEmulator | None = None,
    clock: Clock | None = None,
    **settings: Any,
) -> AsyncIterator[Rehearsal]:
    """Start the sandbox, migrate the database, build the app, and hand over a driver.

    The app's lifespan runs too (start-up recovery), as it would under uvicorn. The reminder
    tick and the projector's sweep are off unless asked for: tests and the demo call
    `deps.reminders.tick()` and `runtime.projector.drain()` with a clock they control (effects
    of each request still start when it commits).
    """
    settings.setdefault("reminder_tick_seconds", 0)
    settings.setdefault("projector_sweep_seconds", 0)
    emulator = emulator or SlackEmulator(shortcuts=SHORTCUT_NAMES)
    with SandboxServer(emulator) as server:
        config = load_settings(
            _env_file=None,
            slack_bot_token=DEFAULT_BOT_TOKEN,
            slack_signing_secret=SANDBOX_SIGNING_SECRET,
            slack_api_url=server.api_url,
            database_url=database_url,
            **settings,
        )
        await upgrade(database_url)
        runtime = build_runtime(config, clock=clock)
        try:
            async with (
                runtime.http.router.lifespan_context(runtime.http),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=runtime.http),
                    base_url="http://ai-incident.sandbox",
                ) as http,
            ):
                # The start-up drain must be over before the driver takes its baseline of running
                # tasks, or the first request's effects ride on a task `settle` does not wait for.
                await runtime.projector.idle()
                slack = ScriptedSlack(
                    http, signing_secret=SANDBOX_SIGNING_SECRET, emulator=emulator
                )
                yield Rehearsal(
                    emulator=emulator,
                    server=server,
                    settings=config,
                    runtime=runtime,
                    http=http,
                    slack=slack,
                )
                await slack.settle()
        finally:
            await runtime.aclose()
