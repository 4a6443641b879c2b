"""The end-to-end rig: the real app against the Slack sandbox, strict about what went wrong.

A rehearsal opened here fails the test when the sandbox refused a call the app made (Slack
would have refused it too) or when the app logged an unhandled error (bot/slack/guard.py),
even if every assertion of the test passed: both are failures a user would see, and neither
shows up in what a test usually asserts. A test that provokes one on purpose says so with a
marker, `@pytest.mark.allows_slack_rejections` or `@pytest.mark.allows_unhandled_errors`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.core.clock import Clock
from bot.core.incidents.model import Incident
from bot.demo.rehearsal import Rehearsal, rehearsal
from slack_sandbox import SlackEmulator

API_TOKEN = "test-api-token-not-a-real-one"
WEBHOOK_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldC1ub3QtYS1yZWFsLW9uZQ=="  # whsec_<base64>

ALLOWS_SLACK_REJECTIONS = "allows_slack_rejections"
ALLOWS_UNHANDLED_ERRORS = "allows_unhandled_errors"
# What bot/slack/guard.py logs when a handler fails for a reason that is not the user's.
UNHANDLED_ERROR = "unhandled error"


def sqlite_file_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'ai-incident.db'}"


@dataclass(frozen=True)
class Strictness:
    """What a test tolerates from the app it drives (by default: nothing)."""

    allow_rejections: bool = False
    allow_unhandled_errors: bool = False

    @classmethod
    def of(cls, node: pytest.Item) -> Strictness:
        return cls(
            allow_rejections=node.get_closest_marker(ALLOWS_SLACK_REJECTIONS) is not None,
            allow_unhandled_errors=node.get_closest_marker(ALLOWS_UNHANDLED_ERRORS) is not None,
        )


class _UnhandledErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(UNHANDLED_ERROR):
            self.records.append(record)


@contextmanager
def _watching_unhandled_errors() -> Iterator[_UnhandledErrors]:
    handler = _UnhandledErrors()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def complaints(
    emulator: SlackEmulator, errors: list[logging.LogRecord], strictness: Strictness
) -> list[str]:
    """What the rig holds against the run, one line each."""
    found: list[str] = []
    if not strictness.allow_rejections:
        found += [
            f"the sandbox rejected {r.method}: {r.error} {list(r.messages)}"
            for r in emulator.rejections
        ]
    if not strictness.allow_unhandled_errors:
        found += [
            f"the app logged {record.getMessage()}"
            + (f": {record.exc_info[1]!r}" if record.exc_info else "")
            for record in errors
        ]
    return found


@asynccontextmanager
async def strict_rehearsal(
    *,
    strictness: Strictness,
    database_url: str,
    emulator: SlackEmulator | None = None,
    clock: Clock | None = None,
    **settings: Any,
) -> AsyncIterator[Rehearsal]:
    """`bot.demo.rehearsal.rehearsal`, failing the test on leaving when the run went wrong.

    Checked only when the block ends cleanly: a test that already failed keeps its own error.
    """
    emulator = emulator or SlackEmulator()
    with _watching_unhandled_errors() as errors:
        async with rehearsal(
            database_url=database_url, emulator=emulator, clock=clock, **settings
        ) as running:
            yield running
    found = complaints(emulator, errors.records, strictness)
    if found:
        pytest.fail(
            "The end-to-end run went wrong although the test passed (mark the test "
            f"{ALLOWS_SLACK_REJECTIONS} / {ALLOWS_UNHANDLED_ERRORS} if it does so on purpose):\n"
            + "\n".join(f"  - {line}" for line in found),
            pytrace=False,
        )


class OpenRig(Protocol):
    """`strict_rehearsal` with the test's own strictness (the `open_rig` fixture)."""

    def __call__(
        self,
        *,
        database_url: str,
        emulator: SlackEmulator | None = None,
        clock: Clock | None = None,
        **settings: Any,
    ) -> AbstractAsyncContextManager[Rehearsal]: ...


class Declare(Protocol):
    async def __call__(self, title: str = ..., *, user: str = ..., **values: Any) -> Incident: ...
