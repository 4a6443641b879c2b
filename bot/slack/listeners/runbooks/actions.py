"""Checklist ticks, "Next phase", "Advance anyway" and the stabilization lever picker."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.slack.forms import lever as lever_form
from bot.slack.guard import guarded
from bot.slack.ids import ActionId
from bot.slack.listeners.modals import open_then_fill
from bot.slack.listeners.runbooks.commands import answer_advance
from bot.slack.messages.runbooks import (
    parse_advance_anyway_value,
    parse_entry_block_id,
    parse_lever_block_id,
)
from bot.slack.middleware import deps_of
from bot.slack.payloads import chosen_in


def _channel_of(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id") or body["container"]["channel_id"])


async def on_toggle(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    phase, entry_id = parse_entry_block_id(action["block_id"])
    done = any(o.get("value") == entry_id for o in action.get("selected_options") or [])
    await deps.phases.toggle(
        channel_id=_channel_of(body),
        phase=phase,
        entry_id=entry_id,
        done=done,
        actor=body["user"]["id"],
    )


async def on_next(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    channel_id = _channel_of(body)
    outcome = await deps.phases.advance(
        channel_id=channel_id, target=None, actor=body["user"]["id"]
    )
    await answer_advance(outcome, deps=deps, channel_id=channel_id, respond=respond)


async def on_advance_anyway(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    await ack()
    target = parse_advance_anyway_value(action.get("value"))
    await deps.phases.advance(
        channel_id=_channel_of(body), target=target, actor=body["user"]["id"], force=True
    )
    await respond(delete_original=True)


async def on_lever(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    await ack()
    phase = parse_lever_block_id(action["block_id"])
    lever_id = chosen_in(action)
    channel_id = _channel_of(body)

    async def build() -> View:
        view = await deps.phases.checklist(channel_id)
        lever = view.runbook.phase(phase).lever(lever_id)
        return lever_form.build(view.incident, phase=phase, lever=lever)

    # The modal opens before the read: under load the read may outlast the trigger's 3 s.
    await open_then_fill(client, body["trigger_id"], lever_form.TITLE, build)


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(ActionId.CHECKLIST_TOGGLE)(guarded(on_toggle))
    app.action(ActionId.PHASE_NEXT)(guarded(on_next))
    app.action(ActionId.PHASE_ADVANCE_ANYWAY)(guarded(on_advance_anyway))
    app.action(ActionId.LEVER_CHOOSE)(guarded(on_lever))
