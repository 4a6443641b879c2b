"""Finding what an interrupted step may already have done in Slack, before doing it again.

Every message the projector posts carries message metadata naming the step that posted it (an
effect key: outbox event id and step). When a step is retried without a stored result — the
process died, or Slack's answer was lost after it acted — the channel's recent history is searched
for that key first, so the message is adopted instead of posted twice.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

EFFECT_EVENT_TYPE = "ai_incident_effect"
# How far back (before the event was recorded) and how deep a search goes: an effect is posted
# after its event, and a busy incident channel gets far fewer than this many messages per retry.
_SLACK_CLOCK_SKEW = timedelta(minutes=5)
_MAX_PAGES = 5
# History the bot may not read: the announce channel, where chat:write.public lets it post
# without being a member. Nothing can be found there, so the step is done again (an
# announcement may then show twice) rather than failing forever and holding back the
# checklist and digest that follow it.
_UNREADABLE = ("not_in_channel", "channel_not_found")


def effect_metadata(effect: str | None) -> dict[str, Any] | None:
    """The message metadata that marks a message as the work of one step."""
    if effect is None:
        return None
    return {"event_type": EFFECT_EVENT_TYPE, "event_payload": {"effect": effect}}


def _oldest(since: datetime) -> str:
    return f"{(since - _SLACK_CLOCK_SKEW).timestamp():.6f}"


async def _history(
    client: AsyncWebClient, channel_id: str, since: datetime
) -> AsyncIterator[dict[str, Any]]:
    cursor: str | None = None
    for _ in range(_MAX_PAGES):
        try:
            response = await client.conversations_history(
                channel=channel_id,
                oldest=_oldest(since),
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        except SlackApiError as exc:
            code = exc.response.get("error") if exc.response is not None else None
            if code not in _UNREADABLE:
                raise
            log.warning("cannot read %s (%s) to look for an earlier post", channel_id, code)
            return
        for message in response.get("messages") or []:
            yield message
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return


async def find_post(
    client: AsyncWebClient, *, channel_id: str, effect: str, since: datetime
) -> str | None:
    """The ts of the message that step `effect` posted in the channel, if it did."""
    async for message in _history(client, channel_id, since):
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == EFFECT_EVENT_TYPE and payload.get("effect") == effect:
            return str(message["ts"])
    return None


async def find_file(
    client: AsyncWebClient, *, channel_id: str, filename: str, since: datetime
) -> str | None:
    """The id of a file named `filename` the bot shared in the channel since `since`."""
    async for message in _history(client, channel_id, since):
        for file in message.get("files") or []:
            if file.get("name") == filename:
                return str(file["id"])
    return None
