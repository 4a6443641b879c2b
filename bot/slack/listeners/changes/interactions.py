"""The change modal's submission and the digest's "Add to timeline" button."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.changes.model import Change, ChangeIn, ChangeKind, change_headline
from bot.core.errors import InvalidInput
from bot.core.forms import validation_errors
from bot.deps import Deps
from bot.slack.forms.change import ChangeState
from bot.slack.guard import guarded
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.messages.changes import mark_on_timeline, parse_add_button_value
from bot.slack.messages.mrkdwn import escape
from bot.slack.middleware import deps_of
from bot.slack.payloads import view_value

SLACK_SOURCE = "slack"
# The picker has minute precision and the person's clock may run ahead of ours.
_FUTURE_GRACE = timedelta(minutes=5)

_BLOCK_OF_FIELD = {
    "kind": BlockId.CHANGE_KIND,
    "service": BlockId.CHANGE_SERVICE,
    "before": BlockId.CHANGE_BEFORE,
    "after": BlockId.CHANGE_AFTER,
    "occurred_at": BlockId.CHANGE_OCCURRED_AT,
    "url": BlockId.CHANGE_URL,
    "summary": BlockId.CHANGE_NOTE,
}
_MODEL_KINDS = (ChangeKind.MODEL, ChangeKind.ROUTING)


def _value(view: dict[str, Any], block: BlockId) -> Any:
    return view_value(view, block, ActionId(block.value))


def parse_change_form(
    view: dict[str, Any], *, user_id: str, now: datetime
) -> tuple[Change | None, dict[str, str]]:
    """The modal as a ledger change, or Slack inline errors keyed by block id.

    It goes through the same validation as `POST /api/v1/changes`, so a change typed by hand
    is held to what a producer's is. The view id makes it idempotent: a double-clicked submit
    records one change.
    """
    kind = _value(view, BlockId.CHANGE_KIND)
    after = _value(view, BlockId.CHANGE_AFTER)
    occurred_at = _value(view, BlockId.CHANGE_OCCURRED_AT)
    if isinstance(occurred_at, datetime) and occurred_at > now + _FUTURE_GRACE:
        return None, {BlockId.CHANGE_OCCURRED_AT: "A change cannot take effect in the future."}
    attributes: dict[str, Any] = {}
    if kind in _MODEL_KINDS and after:
        attributes["gen_ai.request.model"] = after  # the OpenTelemetry GenAI name
    raw = {
        "source": SLACK_SOURCE,
        "external_id": f"slack-view:{view['id']}",
        "kind": kind,
        "occurred_at": occurred_at,
        "service": _value(view, BlockId.CHANGE_SERVICE),
        "summary": _value(view, BlockId.CHANGE_NOTE),
        "before": _value(view, BlockId.CHANGE_BEFORE),
        "after": after,
        "url": _value(view, BlockId.CHANGE_URL),
        "actor": user_id,
        "attributes": attributes,
    }
    try:
        return ChangeIn.model_validate(raw).to_change(), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for problem in validation_errors(exc):
            field = problem["field"].rsplit(".", 1)[-1]
            block = _BLOCK_OF_FIELD.get(field, BlockId.CHANGE_NOTE)
            errors.setdefault(block, _friendly(field, problem["reason"]))
        return None, errors


def _friendly(field: str, reason: str) -> str:
    if field == "kind":
        return "Choose the kind of change."
    if field == "occurred_at":
        return "Pick when the change took effect."
    if field == "url":
        return "Give an http:// or https:// link."
    if field == "summary" and "before/after" in reason:
        return "Say what changed: a note, or the before/after values."
    return reason[:150]


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
    change, errors = parse_change_form(view, user_id=user_id, now=deps.clock.now())
    if change is None:
        await ack(response_action="errors", errors=errors)
        return
    await ack()
    state = ChangeState.decode(view.get("private_metadata"))
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
    value = str(body["actions"][0]["value"])
    try:
        number, change_id = parse_add_button_value(value)
    except ValueError:
        raise InvalidInput("change", "this button does not name a change") from None
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
