"""What `/readyz` asks before saying "ready": the database, its schema, Slack, and whatever else
the process adds (the Socket Mode connection).

A probe runs every few seconds on every replica, so each check is cheap: the database is asked
on the app's own engine (no engine per probe), the schema only until it was once found current
(it does not go back while the process runs), and Slack at most once per `SLACK_CHECK_EVERY`
(a cached `auth.test`), never holding a probe for more than `SLACK_CHECK_WAIT`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.observability.slack_api import ObservedCalls, call_outcome
from storage.migrate import SchemaAhead, SchemaBehind, alembic_config, head_revisions

# A check: None when ready, else why not, in one line.
ReadinessCheck = Callable[[], str | None]

SLACK_CHECK_EVERY = 15.0
SLACK_CHECK_WAIT = 2.0
SLACK_CHECK_TIMEOUT = 10.0


class DatabaseReadiness:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._schema_current = False

    async def problem(self) -> str | None:
        try:
            async with self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
                if not self._schema_current:
                    current = await connection.run_sync(
                        lambda sync: set(MigrationContext.configure(sync).get_current_heads())
                    )
                    schema = _schema_problem(current)
                    if schema is not None:
                        return schema
                    self._schema_current = True
        except Exception:
            return "database unreachable"
        return None


def _schema_problem(current: set[str]) -> str | None:
    needed = head_revisions()
    if current == needed:
        return None
    known = {
        revision.revision
        for revision in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    return str(SchemaAhead(current, needed) if current - known else SchemaBehind(current, needed))


class SlackReadiness:
    """Whether Slack accepts the bot's token, from an `auth.test` at most every
    SLACK_CHECK_EVERY seconds, asked for by probes: no probe, no call."""

    def __init__(self, client: AsyncWebClient) -> None:
        # One attempt per check: the listeners' client would re-send after a 5xx and a lost
        # connection, keeping the answer from the probe for seconds; the next check comes soon.
        self._client = AsyncWebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=int(SLACK_CHECK_TIMEOUT),
            retry_handlers=[h for h in client.retry_handlers if isinstance(h, ObservedCalls)],
        )
        self._problem: str | None = "Slack not checked yet"
        self._checked_at: float | None = None
        self._check: asyncio.Task[None] | None = None

    async def problem(self) -> str | None:
        stale = self._checked_at is None or time.monotonic() - self._checked_at >= SLACK_CHECK_EVERY
        if stale and (self._check is None or self._check.done()):
            self._check = asyncio.get_running_loop().create_task(
                self._ask_slack(), name="slack-readiness"
            )
        if self._checked_at is None and self._check is not None:
            # The first answer is worth a short wait; after that the probe takes the last one.
            await asyncio.wait({self._check}, timeout=SLACK_CHECK_WAIT)
        return self._problem

    async def _ask_slack(self) -> None:
        try:
            await asyncio.wait_for(self._client.auth_test(), SLACK_CHECK_TIMEOUT)
            problem = None
        except SlackApiError as refused:
            code = refused.response.get("error") if refused.response is not None else None
            outcome = call_outcome(refused)
            problem = (
                f"Slack refused the bot token ({code})"
                if outcome == "error"
                else f"Slack unreachable ({outcome})"
            )
        except Exception as error:
            problem = f"Slack unreachable ({call_outcome(error)})"
        self._problem = problem
        self._checked_at = time.monotonic()

    async def aclose(self) -> None:
        if self._check is not None and not self._check.done():
            self._check.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._check
