"""The message shortcut "Add as regression case", usable from any channel: the case form opens
prefilled with the message (its words as plain text, its permalink as the source)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cases.model import CaseSource
from bot.core.errors import NotAnIncidentChannel
from bot.core.incidents.model import Incident
from bot.deps import Deps
from bot.slack.forms import case as case_form
from bot.slack.forms import pick_incident as pick_incident_form
from bot.slack.forms.message import loading_modal
from bot.slack.guard import guarded
from bot.slack.ids import CallbackId
from bot.slack.listeners.incidents.shortcuts import message_from_payload
from bot.slack.middleware import deps_of

TITLE = "Add regression case"
PICK_NOTE = "The case form opens next, with the message as its input and a link back to it."


async def on_shortcut(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    message = message_from_payload(body)
    user_id = body["user"]["id"]
    # The trigger expires in 3 s: open a placeholder now, fill it once the data is loaded.
    opened = await client.views_open(trigger_id=body["trigger_id"], view=loading_modal(TITLE))
    view_id = opened["view"]["id"]
    try:
        incident: Incident | None = await deps.incidents.for_channel(message.channel_id)
    except NotAnIncidentChannel:
        incident = None
    permalink = await deps.incidents.chat.permalink(channel_id=message.channel_id, ts=message.ts)
    if incident is not None and incident.is_open:
        view = case_form.build(
            incident.number or 0,
            channel_id=incident.channel_id,
            input_text=message.text,
            source=CaseSource.SLACK_MESSAGE,
            source_url=permalink,
        )
    else:
        view = pick_incident_form.build(
            await deps.incidents.list_open(viewer=user_id),
            message=message,
            callback_id=CallbackId.CASE_PICK_MODAL,
            title=TITLE,
            submit="Next",
            note=PICK_NOTE,
            permalink=permalink,
        )
    await client.views_update(view_id=view_id, view=view)


def register(app: AsyncApp, deps: Deps) -> None:
    app.shortcut(CallbackId.CASE_SHORTCUT)(guarded(on_shortcut))
