"""The change modal's submission and the digest's "Add to timeline" button."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.changes.model import ChangeIn, change_headline
from bot.core.forms import field_errors
from bot.deps import Deps
from bot.slack.forms import change as change_form
from bot.slack.forms.change import ChangeState
from bot.slack.guard import guarded
from bot.slack.ids import ActionId, CallbackId
from bot.slack.messages.changes import mark_on_timeline, parse_add_button_value
from bot.slack.messages.mrkdwn import escape
from bot.slack.middleware import deps_of


async def mark_in_digest(client: AsyncWebClient, body: dict[str, Any], value: str) -> None:
    """Show everyone in the channel that the change is on the timeline now: its line in the
    digest that was clicked loses the button (so nobody clicks it again) and says so."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    blocks = mark_on_timeline(message.get("blocks") or [], value)
    if blocks is None or not channel or not message.get("ts"):
        return
    await client.chat_update(
        channel=channel, ts=message["ts"], text=message.get("text") or "", blocks=blocks
    )


async def on_change_submitted(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    user_id = body["user"]["id"]
    raw = change_form.read(context["values"], view_id=view["id"], user_id=user_id)
    try:
        change = ChangeIn.model_validate(raw, context={"now": deps.clock.now()}).to_change()
    except ValidationError as exc:
        await ack(response_action="errors", errors=change_form.errors(field_errors(exc)))
        return
    await ack()
    state = ChangeState.decode(context["metadata"])
    recorded = await deps.changes.record(
        [change], incident_number=state.incident_number, recorded_by=user_id
    )
    if recorded.new and state.incident_number in recorded.incidents:
        return  # the incident channel, where they typed it, shows it
    # Anywhere else, say where it went: nothing else in that channel will.
    where = ", ".join(f"#{number}" for number in recorded.incidents)
    text = (
        f":white_check_mark: Recorded in the change ledger: "
        f"{escape(change_headline(recorded.changes[0]))}"
        + (f" — and on the timeline of {where}." if where else ".")
    )
    if not recorded.new:
        text = ":white_check_mark: That change is already in the change ledger."
    await client.chat_postEphemeral(channel=state.origin_channel_id, user=user_id, text=text)


async def on_add_to_timeline(
    ack: AsyncAck,
    body: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    await ack()
    value = str(body["actions"][0].get("value"))
    number, change_id = parse_add_button_value(value)
    result = await deps.changes.add_to_timeline(
        incident_number=number, change_id=change_id, actor=body["user"]["id"]
    )
    if not result.added:
        await respond(
            text=f"That change is already on the timeline of #{number}.",
            response_type="ephemeral",
            replace_original=False,
        )
    await mark_in_digest(client, body, value)


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.CHANGE_MODAL)(guarded(on_change_submitted))
    app.action(ActionId.DIGEST_ADD_TO_TIMELINE)(guarded(on_add_to_timeline))
