"""`ai-incident serve [--socket]`: check everything that can stop the bot, then run it.

The checks run in this order and each ends in one line naming the fix, before anything is
written, bound or scheduled: the settings the mode needs, the runbooks, the database (reachable,
at this version's schema; a missing SQLite file is not created), the bot token (Slack's
`auth.test`), and the port. Only then is the runtime built and its ticks started.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket as sockets
import sys
from types import FrameType

import uvicorn
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.cli.failures import StartupError
from bot.config import Settings
from storage.migrate import check_schema_current

log = logging.getLogger(__name__)


class GracefulServer(uvicorn.Server):
    """uvicorn, except that SIGTERM or Ctrl-C ends in a return, not a re-raised signal: uvicorn
    shuts down gracefully and then raises the signal again, which would cut the runtime's own
    closing short (effects finishing their step, the database pool) with a KeyboardInterrupt
    traceback, or end the process before it ran at all."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        self._captured_signals.clear()


# auth.test answers that mean the token itself is no good: starting would only fail every
# request later. Anything else (Slack down, rate limited, a proxy in the way) is not the token's
# fault, so the bot starts and /readyz says it is not ready yet.
TOKEN_REJECTIONS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
AUTH_TEST_TIMEOUT_SECONDS = 10


def serve(settings: Settings, *, socket: bool, host: str, port: int) -> int:
    if socket:
        settings.require("slack_bot_token", "slack_app_token", purpose="serve --socket")
    else:
        settings.require("slack_bot_token", "slack_signing_secret", purpose="serve (HTTP mode)")
    _check_runbooks(settings)
    asyncio.run(check_schema_current(settings.database_url))
    asyncio.run(check_bot_token(settings))
    listener = listen_on(host, port)
    try:
        asyncio.run(_run_server(settings, socket=socket, listener=listener))
    finally:
        listener.close()
    return 0


def _check_runbooks(settings: Settings) -> None:
    from bot.core.runbooks.loader import check_runbooks, format_problems

    problems = check_runbooks(settings.runbooks_dir)
    if problems:
        print(format_problems(problems), file=sys.stderr)
        raise StartupError("refusing to start with invalid runbooks (see above)")


async def check_bot_token(settings: Settings) -> None:
    """Ask Slack once whether SLACK_BOT_TOKEN works: StartupError if Slack rejects it, a
    warning (and a start) if Slack cannot be asked."""
    assert settings.slack_bot_token is not None
    # No retry handlers: one call, and start-up is not held up by a Slack outage.
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=AUTH_TEST_TIMEOUT_SECONDS,
        retry_handlers=[],
    )
    try:
        await client.auth_test()
    except SlackApiError as error:
        data = error.response.data if error.response is not None else None
        code = str(data.get("error", "")) if isinstance(data, dict) else ""
        if code in TOKEN_REJECTIONS:
            raise StartupError(
                f"SLACK_BOT_TOKEN was rejected by Slack ({code}): reinstall the app in the "
                "workspace and set SLACK_BOT_TOKEN to its Bot User OAuth Token (xoxb-...)"
            ) from None
        log.warning("Slack answered auth.test with %r; starting anyway", code or "an error")
    except Exception as error:  # unreachable, timed out, not JSON: not the token's fault
        log.warning(
            "could not reach Slack at %s to check SLACK_BOT_TOKEN (%s); starting anyway",
            settings.slack_api_url,
            type(error).__name__,
        )


def listen_on(host: str, port: int) -> sockets.socket:
    """A listening socket on host:port, or StartupError naming the fix. Bound here, before the
    runtime exists, so a busy port stops the command before any tick or effect ran."""
    family = sockets.AF_INET6 if ":" in host else sockets.AF_INET
    try:
        listener = sockets.create_server((host, port), family=family)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {host} is already in use: stop what listens there or pass "
                "another --port"
            ) from None
        if error.errno == errno.EACCES:
            raise StartupError(
                f"not allowed to listen on port {port}: pass a --port above 1023"
            ) from None
        raise StartupError(
            f"cannot listen on {host}:{port} ({error.strerror or error}): check --host and --port"
        ) from None
    # Connections accepted from it inherit this: uvicorn writes an answer's head and body
    # apart, and with Nagle on, a client holding its ACK back (delayed ACK) gets the body
    # ~40 ms late on every request of a kept-alive connection.
    listener.setsockopt(sockets.IPPROTO_TCP, sockets.TCP_NODELAY, 1)
    return listener


async def _run_server(settings: Settings, *, socket: bool, listener: sockets.socket) -> None:
    from bot.runtime import build_runtime

    host, port = listener.getsockname()[:2]
    runtime = build_runtime(settings)
    # log_config=None: uvicorn keeps the process's one log format instead of installing its own.
    server = GracefulServer(uvicorn.Config(runtime.http, host=host, port=port, log_config=None))
    try:
        if socket:
            assert settings.slack_app_token is not None
            # Connects in the background: probes, the REST API and webhooks answer from the
            # first second, and a link Slack drops is made again with backoff.
            async with runtime.socket_mode(settings.slack_app_token.get_secret_value()):
                await server.serve(sockets=[listener])
        else:
            await server.serve(sockets=[listener])
    finally:
        await runtime.aclose()
