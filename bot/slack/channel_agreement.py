"""Which incident an interaction claims to act on, and which channel it came from.

An incident-scoped button, select or modal names its incident (in its value, its block id or
the modal's `private_metadata`); bot.slack.middleware honours it only when the channel it came
from is that incident's own channel. Reading the claims is kept apart, in one table, so a new
incident-scoped button is checked by adding one line here rather than one check per handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.slack.ids import ActionId
from bot.slack.payloads import MalformedPayload, number_in


def _number(text: object) -> int | None:
    """The leading incident number, or None when there is none this bot could have written."""
    if not isinstance(text, str):
        return None
    try:
        return number_in(text.partition(":")[0])
    except MalformedPayload:
        return None


def _value(action: Mapping[str, Any]) -> int | None:
    """`<incident>` or `<incident>:<row, item or change id>`."""
    return _number(action.get("value", ""))


def _block(action: Mapping[str, Any]) -> int | None:
    """The item's select has no value; its block is `action_item.<incident>:<item>`."""
    return _number(str(action.get("block_id", "")).removeprefix("action_item."))


def _menu_choice(action: Mapping[str, Any]) -> int | None:
    """An overflow option's value is `<choice>:<incident>:<item>`."""
    option = action.get("selected_option")
    if not isinstance(option, Mapping):
        return None
    return _number(str(option.get("value", "")).partition(":")[2])


_CLAIM_OF: dict[str, Callable[[Mapping[str, Any]], int | None]] = {
    ActionId.CARD_POST_UPDATE: _value,
    ActionId.SCOPE_ADD_ROW: _value,
    ActionId.SCOPE_EDIT_ROW: _value,
    ActionId.SCOPE_REMOVE_ROW: _value,
    ActionId.ACTION_ITEM_ADD: _value,
    ActionId.ACTION_ITEM_DONE: _value,
    ActionId.ACTION_ITEM_TAKE: _value,
    ActionId.REMINDER_SNOOZE: _value,
    ActionId.DIGEST_ADD_TO_TIMELINE: _value,
    ActionId.CASE_ADD: _value,
    ActionId.CASE_EDIT: _value,
    ActionId.CASE_REMOVE: _value,
    ActionId.ACTION_ITEM_ASSIGN: _block,
    ActionId.ACTION_ITEM_MORE: _menu_choice,
}


def claimed_incidents(body: Mapping[str, Any], metadata: Mapping[str, Any]) -> set[int | None]:
    """Every incident number the interaction names (None for one it names unreadably)."""
    claims: set[int | None] = set()
    if "incident_number" in metadata and metadata["incident_number"] is not None:
        number = metadata["incident_number"]
        claims.add(number if isinstance(number, int) else None)
    for action in body.get("actions") or []:
        if isinstance(action, Mapping) and action.get("action_id") in _CLAIM_OF:
            claims.add(_CLAIM_OF[str(action["action_id"])](action))
    return claims


def origin_channel(body: Mapping[str, Any], metadata: Mapping[str, Any]) -> str | None:
    """The channel the interaction came from: the message's, else the one the modal was
    opened in (None for a modal that does not say, e.g. one opened from a reminder's DM)."""
    channel = body.get("channel")
    if isinstance(channel, Mapping) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container")
    if isinstance(container, Mapping) and container.get("channel_id"):
        return str(container["channel_id"])
    opened_in = metadata.get("channel_id") or metadata.get("origin_channel_id")
    return str(opened_in) if opened_in else None


def is_direct_message(channel_id: str) -> bool:
    """The bot's own DM with the person (reminders to an item's owner come there)."""
    return channel_id.startswith("D")
