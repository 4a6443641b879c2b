"""Turn what a test "types" into a modal into Slack's `view.state.values` shape.

A test says `{"title": "Refusals spiked", "severity": "S1"}`; Slack would send
`{"title_block": {"title": {"type": "plain_text_input", "value": "Refusals spiked"}}, ...}`.
The shape depends on the element the view declares, so it is derived from the view itself, and
what a person could not do in Slack's client (leave a required input empty, pick an option that
is not offered, type letters into a number input) is refused before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from slack_sandbox.state import JsonDict, plain_text_of

TEXT_VALUE = frozenset({"plain_text_input", "email_text_input", "url_text_input", "number_input"})
ONE_OPTION = frozenset({"static_select", "radio_buttons", "external_select", "overflow"})
MANY_OPTIONS = frozenset({"multi_static_select", "checkboxes", "multi_external_select"})
SINGLE_FIELD = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
MULTI_FIELD = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
INITIAL_KEY = {
    "users_select": "initial_user",
    "conversations_select": "initial_conversation",
    "channels_select": "initial_channel",
    "datepicker": "initial_date",
    "timepicker": "initial_time",
    "datetimepicker": "initial_date_time",
    "multi_users_select": "initial_users",
    "multi_conversations_select": "initial_conversations",
    "multi_channels_select": "initial_channels",
}
STATEFUL = (
    TEXT_VALUE
    | ONE_OPTION
    | MANY_OPTIONS
    | set(SINGLE_FIELD)
    | set(MULTI_FIELD)
    | {"rich_text_input", "file_input"}
) - {"overflow"}


class SubmissionBlocked(ValueError):
    """Slack's client would not let a person submit this (empty required input, bad value)."""


@dataclass(frozen=True)
class Slot:
    """One stateful element of a view: where it sits and what it is."""

    block_id: str
    action_id: str
    element: JsonDict
    label: str
    required: bool

    @property
    def element_type(self) -> str:
        return str(self.element.get("type"))


def slots(blocks: list[JsonDict]) -> list[Slot]:
    """Inputs, plus selects and pickers in actions blocks and section accessories."""
    found: list[Slot] = []
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        kind = block.get("type")
        if kind == "input":
            candidates = [block.get("element")]
            label = plain_text_of(block.get("label"))
            required = not block.get("optional", False)
        elif kind == "actions":
            candidates = list(block.get("elements") or [])
            label, required = "", False
        elif kind == "section":
            candidates = [block.get("accessory")]
            label, required = plain_text_of(block.get("text")), False
        else:
            continue
        for element in candidates:
            if isinstance(element, dict) and element.get("type") in STATEFUL:
                action_id = str(element.get("action_id", ""))
                found.append(Slot(block_id, action_id, element, label, required))
    return found


def find_option(element: JsonDict, wanted: Any) -> JsonDict:
    """The option of a select / radio / checkbox / overflow whose value (or text) is `wanted`."""
    if isinstance(wanted, dict):
        wanted = wanted.get("value")
    options: list[JsonDict] = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    if element.get("type") in ("external_select", "multi_external_select") and not options:
        return {"text": {"type": "plain_text", "text": str(wanted)}, "value": str(wanted)}
    for option in options:
        if option.get("value") == wanted:
            return option
    for option in options:
        if plain_text_of(option.get("text")) == wanted:
            return option
    offered = [o.get("value") for o in options]
    raise SubmissionBlocked(
        f"{wanted!r} is not an option of {element.get('action_id')!r}: {offered}"
    )


def initial_state(element: JsonDict) -> JsonDict:
    """What Slack sends for an input the person did not touch."""
    kind = str(element.get("type"))
    state: JsonDict = {"type": kind}
    if kind in TEXT_VALUE:
        state["value"] = element.get("initial_value")
    elif kind == "rich_text_input":
        state["rich_text_value"] = element.get("initial_value")
    elif kind in ONE_OPTION:
        state["selected_option"] = element.get("initial_option")
    elif kind in MANY_OPTIONS:
        state["selected_options"] = list(element.get("initial_options") or [])
    elif kind in SINGLE_FIELD:
        state[SINGLE_FIELD[kind]] = element.get(INITIAL_KEY[kind])
    elif kind in MULTI_FIELD:
        state[MULTI_FIELD[kind]] = list(element.get(INITIAL_KEY[kind]) or [])
    elif kind == "file_input":
        state["files"] = []
    if kind == "timepicker" and "timezone" in element:
        state["timezone"] = element["timezone"]
    return state


def state_for(slot: Slot, value: Any) -> JsonDict:
    """Slack's state entry for `value` typed or picked into the slot's element."""
    element, kind = slot.element, slot.element_type
    state: JsonDict = {"type": kind}
    if kind in TEXT_VALUE:
        state["value"] = None if value is None else _text_value(slot, value)
    elif kind == "rich_text_input":
        state["rich_text_value"] = _rich_text(value)
    elif kind in ONE_OPTION:
        state["selected_option"] = None if value is None else find_option(element, value)
    elif kind in MANY_OPTIONS:
        state["selected_options"] = [find_option(element, v) for v in _as_list(value)]
    elif kind in SINGLE_FIELD:
        state[SINGLE_FIELD[kind]] = None if value is None else _single(kind, value)
    elif kind in MULTI_FIELD:
        state[MULTI_FIELD[kind]] = [str(v) for v in _as_list(value)]
    elif kind == "file_input":
        state["files"] = list(_as_list(value))
    if kind == "timepicker" and "timezone" in element:
        state["timezone"] = element["timezone"]
    return state


def display_value(state: JsonDict, name_of: Callable[[str], str]) -> str:
    """The submitted value as the person picked it: text, option labels, @names, dates."""
    shown: list[str] = []
    for key, value in state.items():
        if key in ("type", "timezone") or value in (None, "", []):
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and "text" in item:
                shown.append(plain_text_of(item.get("text")))
            elif key in ("selected_user", "selected_users"):
                shown.append("@" + name_of(str(item)))
            elif key.startswith(("selected_conversation", "selected_channel")):
                shown.append("#" + name_of(str(item)))
            elif key == "selected_date_time":
                shown.append(datetime.fromtimestamp(int(item), UTC).strftime("%Y-%m-%d %H:%M UTC"))
            elif key == "rich_text_value":
                shown.append("(rich text)")
            else:
                shown.append(str(item))
    return ", ".join(shown)


def is_empty(state: JsonDict) -> bool:
    values = [v for k, v in state.items() if k not in ("type", "timezone")]
    return all(v is None or v == "" or v == [] for v in values)


def check_submittable(slot: Slot, state: JsonDict) -> None:
    """Refuse what Slack's client refuses before sending a submission."""
    name = slot.label or slot.action_id
    if is_empty(state):
        if slot.required:
            raise SubmissionBlocked(f"required input {name!r} ({slot.block_id}) is empty")
        return
    element = slot.element
    value = state.get("value")
    if isinstance(value, str) and slot.element_type != "number_input":
        low, high = element.get("min_length"), element.get("max_length")
        if isinstance(low, int) and len(value) < low:
            raise SubmissionBlocked(f"{name!r} needs at least {low} characters")
        if isinstance(high, int) and len(value) > high:
            raise SubmissionBlocked(f"{name!r} takes at most {high} characters")
    selected = state.get("selected_options")
    limit = element.get("max_selected_items")
    if isinstance(selected, list) and isinstance(limit, int) and len(selected) > limit:
        raise SubmissionBlocked(f"{name!r} takes at most {limit} choices")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _text_value(slot: Slot, value: Any) -> str:
    text = str(value)
    if slot.element_type != "number_input":
        return text
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise SubmissionBlocked(f"{text!r} is not a number ({slot.action_id!r})") from exc
    element = slot.element
    if not element.get("is_decimal_allowed") and number != number.to_integral_value():
        raise SubmissionBlocked(f"{slot.action_id!r} takes whole numbers, not {text!r}")
    for key, outside in (("min_value", number.__lt__), ("max_value", number.__gt__)):
        bound = element.get(key)
        if bound is not None and outside(Decimal(str(bound))):
            raise SubmissionBlocked(f"{text!r} is outside {key}={bound} ({slot.action_id!r})")
    return text


def _rich_text(value: Any) -> JsonDict | None:
    if value is None or isinstance(value, dict):
        return value
    return {
        "type": "rich_text",
        "elements": [
            {"type": "rich_text_section", "elements": [{"type": "text", "text": str(value)}]}
        ],
    }


def _single(kind: str, value: Any) -> Any:
    if kind == "datepicker" and isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    if kind == "timepicker" and isinstance(value, time):
        return value.strftime("%H:%M")
    if kind == "datetimepicker":
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("a datetimepicker value must be timezone-aware")
            return int(value.timestamp())
        return int(value)
    return str(value)
