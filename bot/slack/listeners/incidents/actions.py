"""Buttons and selects in messages."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.slack.forms import update as update_form
from bot.slack.guard import guarded
from bot.slack.ids import ActionId
from bot.slack.middleware import deps_of
from bot.slack.payloads import number_in


async def on_post_update(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    incident = await deps.incidents.get(number_in(body["actions"][0].get("value")))
    await client.views_open(trigger_id=body["trigger_id"], view=update_form.build(incident))


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(ActionId.CARD_POST_UPDATE)(guarded(on_post_update))
