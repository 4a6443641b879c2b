"""Modal submissions: validate inline (response_action=errors), ack, then do the work."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.model import DeclareInput
from bot.deps import Deps
from bot.slack.forms.state import DeclareState, IncidentState, PinMessageState
from bot.slack.guard import guarded
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.listeners.incidents.shortcuts import add_message_to_incident
from bot.slack.middleware import deps_of
from bot.slack.payloads import view_value


def parse_declare(
    view: dict[str, Any], *, user_id: str, deps: Deps
) -> tuple[DeclareInput | None, dict[str, str]]:
    """The declare form as typed input, or Slack inline errors keyed by block id."""
    errors: dict[str, str] = {}
    started = view_value(view, BlockId.REGRESSION_STARTED_AT, ActionId.REGRESSION_STARTED_AT)
    if started is not None and started > deps.clock.now():
        errors[BlockId.REGRESSION_STARTED_AT] = "The regression cannot start in the future."
    runbook = view_value(view, BlockId.RUNBOOK, ActionId.RUNBOOK) or "default"
    if runbook not in deps.runbooks:
        errors[BlockId.RUNBOOK] = "That runbook no longer exists; pick another."
    raw = {
        "title": view_value(view, BlockId.TITLE, ActionId.TITLE),
        "severity": view_value(view, BlockId.SEVERITY, ActionId.SEVERITY),
        "category": view_value(view, BlockId.CATEGORY, ActionId.CATEGORY),
        "ai_feature": view_value(view, BlockId.AI_FEATURE, ActionId.AI_FEATURE),
        "how_detected": view_value(view, BlockId.HOW_DETECTED, ActionId.HOW_DETECTED),
        "regression_started_at": started,
        "description": view_value(view, BlockId.DESCRIPTION, ActionId.DESCRIPTION),
        "runbook": runbook,
        "reporter_id": user_id,
        "idempotency_key": f"slack-view:{view['id']}",
    }
    try:
        data = DeclareInput.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0])
            block = field if field in BlockId.__members__.values() else BlockId.TITLE
            errors.setdefault(block, _friendly(field, error["msg"]))
        return None, errors
    if errors:
        return None, errors
    return data, {}


def _friendly(field: str, message: str) -> str:
    if field == "title":
        return "Give the incident a title (at most 150 characters)."
    if field in ("severity", "category"):
        return f"Choose a {field}."
    return message


async def on_declare(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    user_id = body["user"]["id"]
    data, errors = parse_declare(view, user_id=user_id, deps=deps)
    if data is None:
        await ack(response_action="errors", errors=errors)
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
    text = view_value(view, BlockId.UPDATE_TEXT, ActionId.UPDATE_TEXT)
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
    number = view_value(view, BlockId.PICK_INCIDENT, ActionId.PICK_INCIDENT)
    if not number:
        await ack(response_action="errors", errors={BlockId.PICK_INCIDENT: "Pick one."})
        return
    await ack()
    state = PinMessageState.decode(view.get("private_metadata"))
    incident = await deps.incidents.get(int(number))
    message = SlackMessage(
        channel_id=state.channel_id, ts=state.ts, author_id=state.author_id, text=state.text
    )
    await add_message_to_incident(
        deps, client, incident=incident, message=message, user_id=body["user"]["id"]
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.DECLARE_MODAL)(guarded(on_declare))
    app.view(CallbackId.UPDATE_MODAL)(guarded(on_update))
    app.view(CallbackId.TIMELINE_PICK_MODAL)(guarded(on_pick_incident))
