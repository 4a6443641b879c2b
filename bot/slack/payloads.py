"""Typed readers for the parts of Slack payloads the listeners use."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# Incident numbers and row ids live in 32-bit integer columns.
LARGEST_ID = 2**31 - 1
_ASCII_NUMBER = re.compile(r"[0-9]{1,10}")


class MalformedPayload(Exception):
    """A request Slack would not send about this bot: its shape is not Slack's
    (bot/slack/envelope.py), or a value the bot put into a button, a select or a modal, which
    Slack hands back unchanged, came back altered: forged, or from another app's message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def number_in(value: object) -> int:
    """The incident number or row id the bot wrote into `value`."""
    if isinstance(value, str) and _ASCII_NUMBER.fullmatch(value):
        number = int(value)
        if number <= LARGEST_ID:
            return number
    raise MalformedPayload(f"{_shown(value)} is not a number this bot wrote")


def pair_in(value: object, separator: str) -> tuple[int, int]:
    """The two numbers the bot wrote into `value` as `<first><separator><second>`."""
    if isinstance(value, str) and separator in value:
        first, _, second = value.partition(separator)
        return number_in(first), number_in(second)
    raise MalformedPayload(f"{_shown(value)} is not a pair of numbers this bot wrote")


def chosen_in(action: dict[str, Any]) -> str:
    """The value of the option picked in a select or overflow menu (the bot wrote it)."""
    option = action.get("selected_option")
    if isinstance(option, dict) and isinstance(option.get("value"), str):
        return str(option["value"])
    raise MalformedPayload("a menu was submitted with no option picked")


def _shown(value: object) -> str:
    """Enough of a forged value to recognise it in a log line, not enough to flood it."""
    return repr(value)[:40]


def user_mentions(text: str) -> list[str]:
    """User ids in slash-command text (the manifest sets should_escape, so @bob is <@U..|bob>)."""
    return _USER_MENTION.findall(text)


def view_value(view: dict[str, Any], block_id: str, action_id: str) -> Any:
    """The submitted value of one input, whatever its element type; None when left empty."""
    state = view.get("state", {}).get("values", {})
    element: dict[str, Any] = state.get(block_id, {}).get(action_id) or {}
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons", "external_select"):
        option = element.get("selected_option")
        return option.get("value") if option else None
    if kind in ("multi_static_select", "checkboxes"):
        return [o["value"] for o in element.get("selected_options") or []]
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "conversations_select":
        return element.get("selected_conversation")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind == "datetimepicker":
        epoch = element.get("selected_date_time")
        return datetime.fromtimestamp(int(epoch), UTC) if epoch is not None else None
    value = element.get("value")
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def view_values(view: dict[str, Any]) -> dict[str, Any]:
    """Every input of a submitted view as `{block_id: value}` (an input block holds one
    element); see `view_value` for the value of each element type."""
    state: dict[str, dict[str, Any]] = view.get("state", {}).get("values", {})
    return {
        block: view_value(view, block, action)
        for block, elements in state.items()
        for action in list(elements)[:1]
    }


def submission_key(view: dict[str, Any]) -> str:
    """A view submission's key: Slack may deliver one submission twice (a double click), and
    the use case claims the key in its transaction so only one takes effect."""
    return f"view-submission:{view['id']}"
