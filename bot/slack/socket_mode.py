"""Socket Mode in the background: the HTTP side (probes, REST API, webhooks) never waits for it.

`SocketModeRunner` connects the Bolt app to Slack over a WebSocket and keeps it connected: a
link Slack refreshes or drops, or a Slack unreachable at start, is retried with backoff for as
long as the process runs, and never ends it. `connected` says whether Slack can reach the app
right now (for /readyz). Only the app-level token is needed; Socket Mode payloads are not
signed, so the signing secret plays no part here.

Reconnection is the runner's alone (slack_sdk's own is switched off): one owner, with backoff,
instead of two loops retrying at a fixed interval. Slack's `disconnect` messages are still
answered by slack_sdk at once, under the same lock the runner takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.observability.metrics import Metrics
from bot.observability.request_id import request_scope
from bot.observability.slack_requests import UNPARSED, outcome_of, surface_of
from bot.slack.envelope import check_envelope
from bot.slack.payloads import MalformedPayload

log = logging.getLogger(__name__)

# slack_sdk's own lines (sessions opened and abandoned) under one name a log setting can quiet.
_CLIENT_LOGGER = logging.getLogger("slack_sdk.socket_mode")
_JSON_HEADERS = {"content-type": "application/json"}
# Slack refuses these for good: retrying does not help until the token is replaced.
_TOKEN_REFUSALS = frozenset({"invalid_auth", "not_allowed_token_type", "not_authed"})


@dataclass(frozen=True)
class Backoff:
    """Waits between failed attempts: `first`, doubling up to `most` (seconds)."""

    first: float = 1.0
    most: float = 60.0

    def after(self, wait: float) -> float:
        return min(wait * 2, self.most)


class _CheckedHandler(AsyncSocketModeHandler):
    """Bolt's handler, behind the same shape check POST /slack/events applies, counted and
    given a request id as a request over HTTP is."""

    metrics: Metrics | None = None

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        started = time.perf_counter()
        with request_scope():
            surface, outcome = await self._answer(client, req)
        if self.metrics is not None:
            self.metrics.slack_request(surface, outcome, time.perf_counter() - started)

    async def _answer(self, client: SocketModeClient, req: SocketModeRequest) -> tuple[str, str]:
        try:
            check_envelope(json.dumps(req.payload), _JSON_HEADERS)
        except MalformedPayload as malformed:
            log.info("refused a Socket Mode envelope: %s", malformed.reason)
            # Acked all the same: Slack would redeliver an event it sees unacked.
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return UNPARSED, "rejected"
        surface = surface_of(req.payload)
        answer = await run_async_bolt_app(self.app, req)
        await send_async_response(client, req, answer, time.time())
        return surface, outcome_of(answer.status)


class SocketModeRunner:
    """Entered (`async with`) around `uvicorn.Server.serve()`: entering returns at once, the
    connection is made in the background, and leaving closes it."""

    def __init__(
        self,
        bolt: AsyncApp,
        *,
        app_token: str,
        ping_interval: float = 10.0,
        backoff: Backoff | None = None,
        check_every: float = 1.0,
        connect_timeout: float = 30.0,
        metrics: Metrics | None = None,
    ) -> None:
        self._bolt = bolt
        self._app_token = app_token
        self._ping_interval = ping_interval
        self._backoff = backoff or Backoff()
        self._check_every = check_every
        self._connect_timeout = connect_timeout
        self._metrics = metrics
        self._client: SocketModeClient | None = None
        self._supervisor: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        """Whether Slack can deliver to this process now (for /readyz)."""
        client = self._client
        if client is None or client.closed or client.stale:
            return False
        session = client.current_session
        return session is not None and not session.closed

    def start(self) -> None:
        """Start connecting in the background and return at once."""
        if self._supervisor is not None:
            raise RuntimeError("the Socket Mode runner is already started")
        handler = _CheckedHandler(
            self._bolt,
            app_token=self._app_token,
            logger=_CLIENT_LOGGER,
            web_client=self._bolt.client,
            ping_interval=self._ping_interval,
        )
        handler.metrics = self._metrics
        client = handler.client
        client.default_auto_reconnect_enabled = False
        client.auto_reconnect_enabled = False
        self._client = client
        self._supervisor = asyncio.create_task(self._supervise(client), name="socket-mode")

    async def close(self) -> None:
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        if self._client is not None:
            await self._client.close()  # type: ignore[no-untyped-call]

    async def _supervise(self, client: SocketModeClient) -> None:
        wait = self._backoff.first
        while True:
            if await client.is_connected():
                wait = self._backoff.first
                await asyncio.sleep(self._check_every)
                continue
            try:
                # Takes the client's connect lock: never races a `disconnect` slack_sdk answers.
                await asyncio.wait_for(client.connect_to_new_endpoint(), self._connect_timeout)
            except Exception as error:  # whatever it is, the process stays up and tries again
                _log_failure(error, wait)
                await asyncio.sleep(wait)
                wait = self._backoff.after(wait)
                continue
            if await client.is_connected():
                log.info("Socket Mode connected to Slack")

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _log_failure(error: Exception, wait: float) -> None:
    if isinstance(error, SlackApiError):
        code: Any = error.response.get("error")
        if code in _TOKEN_REFUSALS:
            log.error(
                "Slack refused SLACK_APP_TOKEN (%s): use an app-level token (xapp-) with "
                "connections:write; retrying in %.0f s",
                code,
                wait,
            )
            return
        reason = f"Slack answered {code}"
    elif isinstance(error, TimeoutError):
        reason = "the connection timed out"
    else:
        reason = type(error).__name__
    log.warning("Socket Mode could not connect (%s); retrying in %.0f s", reason, wait)
