"""The message shortcut "Add to incident timeline", usable from any channel."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import NotAnIncidentChannel
from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.model import Incident
from bot.deps import Deps
from bot.slack.forms import pick_incident as pick_incident_form
from bot.slack.forms.message import loading_modal
from bot.slack.guard import guarded
from bot.slack.ids import CallbackId
from bot.slack.messages.mrkdwn import captured_message
from bot.slack.middleware import deps_of


async def add_message_to_incident(
    deps: Deps,
    client: AsyncWebClient,
    *,
    incident: Incident,
    message: SlackMessage,
    user_id: str,
) -> bool:
    added = await deps.incidents.add_message(
        incident=incident, message=message, added_by=user_id, via="shortcut"
    )
    if added and incident.channel_id and incident.channel_id != message.channel_id:
        # Said in the incident channel, where the bot surely is; the source may be private.
        await client.chat_postMessage(
            channel=incident.channel_id,
            text=f":pushpin: <@{user_id}> added a message from <#{message.channel_id}> "
            f"to the timeline.",
        )
    return added


def message_from_payload(body: dict[str, Any]) -> SlackMessage:
    message = body.get("message") or {}
    return captured_message(
        channel_id=body["channel"]["id"],
        ts=message["ts"],
        author_id=message.get("user") or message.get("bot_id"),
        slack_text=message.get("text") or "",
    )


async def on_shortcut(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    await ack()
    message = message_from_payload(body)
    user_id = body["user"]["id"]
    try:
        incident: Incident | None = await deps.incidents.for_channel(message.channel_id)
    except NotAnIncidentChannel:
        incident = None
    if incident is not None and incident.is_open:
        added = await add_message_to_incident(
            deps, client, incident=incident, message=message, user_id=user_id
        )
        await respond(
            response_type="ephemeral",
            text=f":pushpin: Added to the timeline of #{incident.number}."
            if added
            else f"That message is already on the timeline of #{incident.number}.",
        )
        return
    # The trigger expires in 3 s: open a placeholder now, fill it once the list is loaded.
    opened = await client.views_open(
        trigger_id=body["trigger_id"], view=loading_modal("Add to timeline")
    )
    incidents = await deps.incidents.list_open(viewer=user_id)
    await client.views_update(
        view_id=opened["view"]["id"],
        view=pick_incident_form.build(incidents, message=message),
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.shortcut(CallbackId.TIMELINE_SHORTCUT)(guarded(on_shortcut))
