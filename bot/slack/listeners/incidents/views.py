"""Modal submissions: validate inline (response_action=errors), ack, then do the work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.forms import FormInvalid, field_errors
from bot.core.incidents.forms import PickedIncident, UpdateInput
from bot.core.incidents.model import DeclareInput
from bot.deps import Deps
from bot.slack.forms import declare as declare_form
from bot.slack.forms import pick_incident as pick_incident_form
from bot.slack.forms import update as update_form
from bot.slack.forms.state import DeclareState, IncidentState, PinMessageState
from bot.slack.guard import guarded
from bot.slack.ids import CallbackId
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
    origin = DeclareState.decode(context["metadata"]).origin_channel_id
    # The person is told in `origin` once the channel exists (the projector does it).
    await deps.incidents.declare(data.model_copy(update={"origin_channel_id": origin}))


async def on_update(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    deps = deps_of(context)
    try:
        update = UpdateInput.check(update_form.read(context["values"]))
    except FormInvalid as invalid:
        await ack(response_action="errors", errors=update_form.errors(invalid.errors))
        return
    await ack()
    state = IncidentState.decode(context["metadata"])
    await deps.incidents.post_update(
        channel_id=state.channel_id, text=update.text, actor=body["user"]["id"]
    )


async def on_pick_incident(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    try:
        picked = PickedIncident.check(pick_incident_form.read(context["values"]))
    except FormInvalid as invalid:
        await ack(response_action="errors", errors=pick_incident_form.errors(invalid.errors))
        return
    await ack()
    state = PinMessageState.decode(context["metadata"])
    incident = await deps.incidents.get_for(picked.number, viewer=body["user"]["id"])
    await add_message_to_incident(
        deps, client, incident=incident, message=state.message(), user_id=body["user"]["id"]
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.DECLARE_MODAL)(guarded(on_declare))
    app.view(CallbackId.UPDATE_MODAL)(guarded(on_update))
    app.view(CallbackId.TIMELINE_PICK_MODAL)(guarded(on_pick_incident))
