"""The Bolt app: listeners registered, and one error handler that speaks to users."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import listeners
from bot.config import Settings
from bot.core.errors import DomainError
from bot.deps import Deps

log = logging.getLogger(__name__)


def create_app(settings: Settings, deps: Deps) -> AsyncApp:
    app = AsyncApp(
        client=deps.slack,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # Ack first, work after: listeners call ack() before any database or Slack work and
        # Bolt answers Slack at that moment, whatever the latency of what follows.
        process_before_response=False,
    )
    listeners.register(app, deps)

    @app.error
    async def on_error(
        error: Exception,
        body: dict[str, Any],
        respond: AsyncRespond | None,
        client: AsyncWebClient,
    ) -> None:
        if isinstance(error, DomainError):
            text = f":warning: {error.message}"
        else:
            reference = uuid.uuid4().hex[:8]
            log.error("unhandled error (ref %s)", reference, exc_info=error)
            text = (
                ":x: Something went wrong on our side and nothing was changed by the failed "
                f"step. Try again; if it persists, give your admin the reference `{reference}`."
            )
        await tell_user(body, respond, client, text)

    return app


async def tell_user(
    body: dict[str, Any], respond: AsyncRespond | None, client: AsyncWebClient, text: str
) -> None:
    """Reach the person who acted: the response_url when there is one, else an ephemeral
    message in the channel the action came from, else a DM."""
    try:
        if respond is not None and (body.get("response_url") or body.get("response_urls")):
            await respond(text=text, response_type="ephemeral", replace_original=False)
            return
        user = (body.get("user") or {}).get("id") or body.get("user_id")
        if not user:
            return
        channel = (body.get("channel") or {}).get("id") or body.get("channel_id")
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=text)
            return
        dm = await client.conversations_open(users=user)
        await client.chat_postMessage(channel=dm["channel"]["id"], text=text)
    except Exception:
        log.exception("could not tell the user about an error")
