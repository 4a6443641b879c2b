"""The change modal's submission and the digest's "Add to timeline" button."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.changes.model import ChangeIn, change_headline
from bot.core.changes.service import AddedToTimeline
from bot.core.forms import field_errors
from bot.deps import Deps
from bot.slack.forms import change as change_form
from bot.slack.forms.change import ChangeState
from bot.slack.guard import guarded
from bot.slack.ids import ActionId, CallbackId
from bot.slack.messages.changes import (
    digest_blocks,
    digest_days,
    digest_text,
    mark_on_timeline,
    parse_add_button_value,
)
from bot.slack.messages.mrkdwn import escape
from bot.slack.middleware import deps_of

# One lock per digest message: the read of what is on the timeline and the edit that shows it
# happen under it, so the last edit of two quick clicks reads after both were stored. Kept only
# while someone holds or awaits it (the count), so the table does not grow with every digest.
_digest_locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}


@asynccontextmanager
async def _editing(key: tuple[str, str]) -> AsyncIterator[None]:
    lock, users = _digest_locks.get(key, (asyncio.Lock(), 0))
    _digest_locks[key] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _digest_locks[key]
        if users == 1:
            del _digest_locks[key]
        else:
            _digest_locks[key] = (lock, users - 1)


async def mark_in_digest(
    client: AsyncWebClient, deps: Deps, body: dict[str, Any], added: AddedToTimeline, value: str
) -> None:
    """Show everyone in the channel that the change is on the timeline now: the digest that was
    clicked is rebuilt from what is stored (not from the payload of the click, which predates
    any other click made meanwhile), so each change on the timeline loses its button."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    ts = message.get("ts")
    blocks = message.get("blocks") or []
    if not channel or not ts:
        return
    days = digest_days(blocks)
    if days is None:
        # A digest posted before its header said its window: mark the clicked line in place.
        marked = mark_on_timeline(blocks, value)
        if marked is not None:
            await client.chat_update(
                channel=channel, ts=ts, text=message.get("text") or "", blocks=marked
            )
        return
    async with _editing((channel, ts)):
        view = await deps.changes.digest(incident=added.incident, days=days)
        await client.chat_update(
            channel=channel,
            ts=ts,
            text=digest_text(view.digest, incident=view.incident),
            blocks=digest_blocks(view.digest, incident=view.incident, on_timeline=view.on_timeline),
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
    await mark_in_digest(client, deps, body, result, value)


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.CHANGE_MODAL)(guarded(on_change_submitted))
    app.action(ActionId.DIGEST_ADD_TO_TIMELINE)(guarded(on_add_to_timeline))
