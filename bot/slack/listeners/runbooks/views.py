"""The stabilization lever modal: who authorized it and what it costs."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.core.forms import FormInvalid
from bot.core.runbooks.forms import LeverInput
from bot.deps import Deps
from bot.slack.forms import lever as lever_form
from bot.slack.forms.state import LeverState
from bot.slack.guard import guarded
from bot.slack.ids import CallbackId
from bot.slack.middleware import deps_of


async def on_lever(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    deps = deps_of(context)
    try:
        lever = LeverInput.check(lever_form.read(context["values"]))
    except FormInvalid as invalid:
        await ack(response_action="errors", errors=lever_form.errors(invalid.errors))
        return
    await ack()
    state = LeverState.decode(context["metadata"])
    await deps.phases.pull_lever(
        incident_number=state.incident_number,
        phase=state.phase,
        lever_id=state.lever_id,
        authorized_by=lever.authorized_by,
        trade_off=lever.trade_off,
        actor=body["user"]["id"],
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.LEVER_MODAL)(guarded(on_lever))
