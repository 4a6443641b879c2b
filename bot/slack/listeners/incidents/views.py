"""Modal submissions: validate inline (response_action=errors), ack, then do the work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.forms import field_errors
from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.model import DeclareInput
from bot.deps import Deps
from bot.slack.forms import declare as declare_form
from bot.slack.forms.state import DeclareState, IncidentState, PinMessageState
from bot.slack.guard import guarded
from bot.slack.ids import BlockId, CallbackId
from bot.slack.listeners.incidents.shortcuts import add_message_to_incident
from bot.slack.middleware import deps_of


def declaration(
    values: Mapping[str, Any], *, user_id: str, view_id: str, deps: Deps
) -> DeclareInput:
    """The declare form as the core's input; raises ValidationError with every problem."""
    raw = {
        **declare_form.read(values),
        "reporter_id": user_id,
        "idempotency_key": f"slack-view:{view_id}",
    }
    return DeclareInput.model_validate(
        raw, context={"now": deps.clock.now(), "runbooks": deps.runbooks}
    )


async def on_declare(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    user_id = body["user"]["id"]
    try:
        data = declaration(context["values"], user_id=user_id, view_id=view["id"], deps=deps)
    except ValidationError as exc:
        await ack(response_action="errors", errors=declare_form.errors(field_errors(exc)))
        return
    await ack()
    incident, created = await deps.incidents.declare(data)
    origin = DeclareState.decode(view.get("private_metadata")).origin_channel_id
    if created and origin and origin != incident.channel_id:
        await client.chat_postEphemeral(
            channel=origin,
            user=user_id,
            text=f"Declared incident #{incident.number}: <#{incident.channel_id}>",
        )


async def on_update(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    text = context["values"].get(BlockId.UPDATE_TEXT)
    if not text:
        await ack(response_action="errors", errors={BlockId.UPDATE_TEXT: "Write the update."})
        return
    await ack()
    state = IncidentState.decode(view.get("private_metadata"))
    await deps.incidents.post_update(
        channel_id=state.channel_id, text=text, actor=body["user"]["id"]
    )


async def on_pick_incident(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    number = context["values"].get(BlockId.PICK_INCIDENT)
    if not number:
        await ack(response_action="errors", errors={BlockId.PICK_INCIDENT: "Pick one."})
        return
    await ack()
    state = PinMessageState.decode(view.get("private_metadata"))
    incident = await deps.incidents.get(int(number))
    message = SlackMessage(
        channel_id=state.channel_id,
        ts=state.ts,
        author_id=state.author_id,
        text=state.text,
        user_ids=state.user_ids,
    )
    await add_message_to_incident(
        deps, client, incident=incident, message=message, user_id=body["user"]["id"]
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.DECLARE_MODAL)(guarded(on_declare))
    app.view(CallbackId.UPDATE_MODAL)(guarded(on_update))
    app.view(CallbackId.TIMELINE_PICK_MODAL)(guarded(on_pick_incident))
