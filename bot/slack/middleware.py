"""What every listener would otherwise work out for itself, done once per request.

- `deps`: the services, so handlers can live at module level and a test can pass its own.
- For a view submission, `values`: the submitted state as a flat `{block_id: value}` (each
  input block holds one element), and `metadata`: the decoded `private_metadata`.
- `agree_on_channel`: an interaction that names an incident must come from that incident's
  channel; anything else is refused before a listener runs.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import DomainError
from bot.deps import Deps
from bot.slack.channel_agreement import claimed_incidents, is_direct_message, origin_channel
from bot.slack.guard import report_error
from bot.slack.payloads import MalformedPayload, view_values

Next = Callable[[], Awaitable[None]]
Middleware = Callable[..., Awaitable[None]]


def deps_of(context: Mapping[str, Any]) -> Deps:
    deps: Deps = context["deps"]
    return deps


def provide(deps: Deps) -> Middleware:
    async def with_deps(body: dict[str, Any], context: AsyncBoltContext, next: Next) -> None:
        context["deps"] = deps
        view = body.get("view") if body.get("type") == "view_submission" else None
        if isinstance(view, dict):
            context["values"] = view_values(view)
            context["metadata"] = _metadata(view.get("private_metadata"))
        await next()

    return with_deps


class ChannelDisagrees(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "That was not done: it names an incident other than the one of the channel it came "
            "from. Use the buttons and commands in the incident's own channel."
        )


async def agree_on_channel(
    body: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    ack: AsyncAck,
    respond: AsyncRespond | None,
    next: Next,
) -> BoltResponse | None:
    """Honour a button, select or modal that names an incident only when the channel it came
    from is that incident's channel (a DM from the bot, or a modal that names no channel,
    leaves the decision to the permission rule alone)."""
    if body.get("type") not in ("block_actions", "view_submission"):
        await next()
        return None
    view = body.get("view")
    metadata = _metadata(view.get("private_metadata")) if isinstance(view, dict) else {}
    claims = claimed_incidents(body, metadata)
    origin = origin_channel(body, metadata)
    refusal: Exception = ChannelDisagrees()
    if None in claims:
        refusal = MalformedPayload("a button or form names an incident in no form this bot writes")
    elif len(claims) <= 1:
        if not claims or origin is None or is_direct_message(origin):
            await next()
            return None
        number = await deps_of(context).incidents.number_for_channel(origin)
        if number is not None and number in claims:
            await next()
            return None
    await ack()
    await report_error(refusal, body=body, respond=respond, client=client)
    # Answered here: without a response of its own, Bolt would tell Slack 404 ("no next()").
    return BoltResponse(status=200, body="")


def _metadata(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        decoded = json.loads(raw)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
