"""Events API: the pin reaction that puts a message on the timeline."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.deps import Deps
from bot.slack.guard import guarded
from bot.slack.middleware import deps_of


async def on_reaction_added(
    event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    if event.get("reaction") != deps.settings.pin_emoji:
        return
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    await deps.incidents.pin_from_reaction(
        channel_id=item["channel"],
        ts=item["ts"],
        reactor=event["user"],
        event_id=body.get("event_id"),
    )


async def ignore(event: dict[str, Any]) -> None:
    """Subscribed for other features; acknowledged so Slack does not retry."""


def register(app: AsyncApp, deps: Deps) -> None:
    app.event("reaction_added")(guarded(on_reaction_added))
    app.event("reaction_removed")(ignore)
