"""Buttons and selects in messages."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.slack.forms import update as update_form
from bot.slack.guard import guarded
from bot.slack.ids import ActionId
from bot.slack.listeners.modals import open_then_fill
from bot.slack.middleware import deps_of
from bot.slack.payloads import number_in


async def on_post_update(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number = number_in(body["actions"][0].get("value"))

    async def build() -> View:
        return update_form.build(await deps.incidents.get(number))

    # The modal opens before the read: under load the read may outlast the trigger's 3 s.
    await open_then_fill(client, body["trigger_id"], update_form.TITLE, build)


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(ActionId.CARD_POST_UPDATE)(guarded(on_post_update))
