"""The stabilization lever modal: who authorized it and what it costs."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.deps import Deps
from bot.slack.forms.state import LeverState
from bot.slack.guard import guarded
from bot.slack.ids import BlockId, CallbackId
from bot.slack.middleware import deps_of


async def on_lever(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    authorized_by = context["values"].get(BlockId.LEVER_AUTHORIZED_BY)
    trade_off = context["values"].get(BlockId.LEVER_TRADE_OFF)
    errors: dict[str, str] = {}
    if not authorized_by:
        errors[BlockId.LEVER_AUTHORIZED_BY] = "Who authorized pulling this lever?"
    if not trade_off:
        errors[BlockId.LEVER_TRADE_OFF] = "Say what it costs (quality, cost, users)."
    if errors:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    state = LeverState.decode(view.get("private_metadata"))
    await deps.phases.pull_lever(
        incident_number=state.incident_number,
        phase=state.phase,
        lever_id=state.lever_id,
        authorized_by=authorized_by,
        trade_off=trade_off,
        actor=body["user"]["id"],
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.LEVER_MODAL)(guarded(on_lever))
