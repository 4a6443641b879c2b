"""App Home: published each time a person opens the bot's Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.slack.guard import guarded
from bot.slack.messages.home import home_view
from bot.slack.middleware import deps_of


async def on_home_opened(
    event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    if event.get("tab", "home") != "home":
        return
    home = await deps_of(context).home.for_user(event["user"])
    await client.views_publish(user_id=event["user"], view=home_view(home))


def register(app: AsyncApp, deps: Deps) -> None:
    app.event("app_home_opened")(guarded(on_home_opened))
