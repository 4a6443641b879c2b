"""The shape Slack gives every request, checked once before any listener runs.

Listeners read `body["user"]["id"]`, `body["actions"][0]["value"]` and the like as Slack
documents them. A signed request whose body does not have that shape (`"actions": "x"`,
`"event": []`, a number where Slack sends text, JSON nested a thousand deep, a NUL character
no database keeps) is answered 400 with the field and the reason here, so that no listener,
and no Bolt internals, ever meet it. Fields nobody reads are let through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.payloads import MalformedPayload

# Slack's deepest payloads (rich text inside a message inside an interaction) stay well
# under this; anything deeper is not from Slack and would only exhaust the stack later.
MAX_DEPTH = 40
# The largest epoch a datetime can hold (9999-12-31).
MAX_EPOCH = 253_402_300_799


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


Text = Annotated[str, Field(max_length=100_000)]
# Where Bolt's `respond` posts: Slack only ever sends an absolute web address.
ResponseUrl = Annotated[str, Field(max_length=2_000, pattern=r"^https?://[^/\s]+(/\S*)?$")]
# A message's timestamp, `<epoch seconds>.<sequence>`: the app parses it as a time.
Ts = Annotated[str, Field(pattern=r"^[0-9]{1,12}\.[0-9]{1,6}$")]
# `<number>.<number>.<hex>`; empty where a test leaves it out.
TriggerId = Annotated[str, Field(max_length=200, pattern=r"^([0-9]+\.[0-9]+\.[0-9a-f]+)?$")]


class Ref(_Shape):
    id: Text


class Person(Ref):
    team_id: Text | None = None


class Option(_Shape):
    value: Text


class StateElement(_Shape):
    type: Text | None = None
    value: Text | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_user: Text | None = None
    selected_users: list[Text] | None = None
    selected_conversation: Text | None = None
    selected_date: Text | None = None
    selected_time: Text | None = None
    selected_date_time: Annotated[int, Field(ge=0, le=MAX_EPOCH)] | None = None


class ViewState(_Shape):
    values: dict[str, dict[str, StateElement]] = {}


class View(_Shape):
    id: Text
    callback_id: Text = ""
    private_metadata: Text = ""
    state: ViewState = ViewState()
    blocks: list[dict[str, Any]] = []


class Action(_Shape):
    action_id: Text
    block_id: Text = ""
    type: Text = ""
    value: Text | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_user: Text | None = None


class Container(_Shape):
    type: Text | None = None
    channel_id: Text | None = None
    message_ts: Ts | None = None
    view_id: Text | None = None


class Message(_Shape):
    ts: Ts | None = None
    text: Text | None = None
    user: Text | None = None
    thread_ts: Ts | None = None


class ShortcutMessage(Message):
    ts: Ts


class _Interaction(_Shape):
    # Bolt hands the team and enterprise ids to the Web API client it gives listeners: a
    # value of another type would fail every call made with it.
    user: Person
    team: Ref | None = None
    enterprise: Ref | None = None
    trigger_id: TriggerId = ""
    response_url: ResponseUrl | None = None


class BlockActions(_Interaction):
    type: Literal["block_actions"]
    actions: Annotated[list[Action], Field(min_length=1)]
    channel: Ref | None = None
    container: Container = Container()
    message: Message = Message()
    view: View | None = None

    @model_validator(mode="after")
    def _a_message_says_where_to_answer(self) -> BlockActions:
        # Listeners answer a click in a message through its response_url.
        if self.container.type == "message" and self.response_url is None:
            raise ValueError("a click in a message comes with its response_url")
        return self


class ViewSubmission(_Interaction):
    type: Literal["view_submission", "view_closed"]
    view: View


class GlobalShortcut(_Interaction):
    type: Literal["shortcut"]
    callback_id: Text


class MessageShortcut(_Interaction):
    """Slack always says which message, where, and where to answer."""

    type: Literal["message_action"]
    callback_id: Text
    channel: Ref
    message: ShortcutMessage
    response_url: ResponseUrl


class OtherInteraction(_Shape):
    type: Literal["block_suggestion", "interactive_message", "dialog_submission"]


class ReactedItem(_Shape):
    type: Text | None = None
    channel: Text | None = None
    ts: Ts | None = None

    @model_validator(mode="after")
    def _a_message_says_where(self) -> ReactedItem:
        if self.type == "message" and (self.channel is None or self.ts is None):
            raise ValueError("a reacted message comes with its channel and ts")
        return self


class Event(_Shape):
    type: Text
    user: Text | None = None
    channel: Text | None = None
    ts: Ts | None = None
    text: Text | None = None
    tab: Text | None = None
    reaction: Text | None = None
    item: ReactedItem | None = None
    view: dict[str, Any] | None = None


class EventCallback(_Shape):
    type: Literal["event_callback"]
    event: Event
    event_id: Text | None = None
    team_id: Text | None = None


class Handshake(_Shape):
    type: Literal["url_verification", "app_rate_limited"]


class SlashCommand(_Shape):
    command: Text
    text: Text = ""
    user_id: Text
    channel_id: Text
    trigger_id: TriggerId = ""
    # Where every answer to the command goes: Slack always sends one.
    response_url: ResponseUrl


class SslCheck(_Shape):
    ssl_check: Text


Typed = Annotated[
    BlockActions
    | ViewSubmission
    | GlobalShortcut
    | MessageShortcut
    | OtherInteraction
    | EventCallback
    | Handshake,
    Field(discriminator="type"),
]
_TYPED: TypeAdapter[Typed] = TypeAdapter(Typed)


def as_bolt_reads_it(body: bytes) -> str:
    """The body as text Bolt parses into what Slack sent.

    Bolt takes any form body containing the word "payload" for an interaction and, finding no
    `payload` field, drops it: `/ai-incident log the payload was wrong` would vanish. Slack
    never sends that word unencoded in a key, so spelling it `%70ayload` inside values keeps
    every value the same once decoded and Bolt's guess right."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("body is not UTF-8") from None
    if text.startswith("{") or "payload" not in text:
        return text
    keys = {key for key, _ in parse_qsl(text, keep_blank_values=True)}
    return text if "payload" in keys else text.replace("payload", "%70ayload")


def check_envelope(text: str, headers: Mapping[str, str]) -> None:
    """Raise MalformedPayload unless `text` (as_bolt_reads_it) is a request Slack could have
    sent."""
    try:
        # Parsed exactly as Bolt will parse it, so what is checked is what listeners get.
        parsed = AsyncBoltRequest(body=text, headers=dict(headers)).body
    except RecursionError:
        raise MalformedPayload("body is nested too deeply") from None
    except Exception:  # whatever Bolt cannot read, a listener never will
        raise MalformedPayload("body is neither JSON nor a form Slack sends") from None
    if not isinstance(parsed, dict):
        raise MalformedPayload("body is not an object")
    _check_strings_and_depth(parsed)
    try:
        _shape_of(parsed)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise MalformedPayload(f"{where}: {first['msg']}") from None


def _shape_of(parsed: dict[str, Any]) -> None:
    if "type" in parsed:
        _TYPED.validate_python(parsed)
    elif "command" in parsed:
        SlashCommand.model_validate(parsed)
    elif "ssl_check" in parsed:
        SslCheck.model_validate(parsed)
    else:
        raise MalformedPayload("body is none of the requests Slack sends")


def _check_strings_and_depth(value: object) -> None:
    """Walk `value` without recursion (it may be as deep as JSON allows): no NUL character
    anywhere (no database keeps one), no nesting deeper than Slack's own."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise MalformedPayload("body is nested too deeply")
        if isinstance(item, str):
            if "\x00" in item:
                raise MalformedPayload("body contains a NUL character")
        elif isinstance(item, dict):
            pending.extend((key, depth) for key in item)
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
