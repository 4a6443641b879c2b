"""The Bolt app: listeners registered, and one error handler that speaks to users."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.deps import Deps
from bot.slack import listeners, middleware
from bot.slack.guard import report_error


def create_app(settings: Settings, deps: Deps) -> AsyncApp:
    app = AsyncApp(
        client=deps.slack,
        # Socket Mode runs without a signing secret; Bolt verifies nothing here anyway.
        signing_secret=secret.get_secret_value()
        if (secret := settings.slack_signing_secret)
        else "",
        # POST /slack/events verifies every request on its raw bytes before Bolt sees it
        # (bot/api/slack_events.py); Bolt's second check would only log the bodies it refuses.
        request_verification_enabled=False,
        # Ack first, work after: listeners call ack() before any database or Slack work and
        # Bolt answers Slack at that moment, whatever the latency of what follows.
        process_before_response=False,
    )
    app.middleware(middleware.provide(deps))
    app.middleware(middleware.agree_on_channel)
    listeners.register(app, deps)

    @app.error
    async def on_error(
        error: Exception,
        body: dict[str, Any],
        respond: AsyncRespond | None,
        client: AsyncWebClient,
    ) -> None:
        # Listeners report their own errors (bot/slack/guard.py); this catches the rest,
        # e.g. a failure in Bolt's middleware, with the same wording.
        await report_error(error, body=body, respond=respond, client=client)

    return app
