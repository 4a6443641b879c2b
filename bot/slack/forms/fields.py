"""What the postmortem's modals share: their typed state, input ids, and small element helpers.

An input's block_id is `<form>.<field>` and its action_id the field name (see
bot.slack.ids.PostmortemForm), so a `{field: message}` from bot.core.postmortem.validation becomes
Slack's `{block_id: message}` without a lookup table that could drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from slack_sdk.models.blocks import (
    DatePickerElement,
    DateTimePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)

from bot.slack.forms.state import ModalState
from bot.slack.ids import PostmortemForm
from bot.slack.messages.format import options, truncate


class AnalysisState(ModalState):
    """A form about one incident (detection, root cause, the lists)."""

    incident_number: int
    channel_id: str


class SliceState(ModalState):
    incident_number: int
    slice_id: int | None = None
    # The scope list underneath, refreshed once the row is saved.
    parent_view_id: str | None = None


class ActionItemState(ModalState):
    incident_number: int
    item_id: int | None = None
    # An edit may keep a due date that has passed meanwhile; only a changed one is checked.
    original_due: date | None = None
    status: str | None = None
    parent_view_id: str | None = None


class DoneState(ModalState):
    incident_number: int
    item_id: int
    category: str
    has_record: bool = False
    parent_view_id: str | None = None


class CloseState(ModalState):
    incident_number: int
    channel_id: str
    regression_started_at: datetime | None = None
    # Codes of the blocking flags open when the form was opened: the form insists on an
    # explicit "close anyway" for them.
    blocking: list[str] = []


def block_id(form: PostmortemForm, field: str) -> str:
    return f"{form.value}.{field}"


def item_ref(number: int, item_id: int | None) -> str:
    """The value a list button carries: `<incident number>:<row or item id>`."""
    return f"{number}:{item_id}"


def parse_ref(value: str) -> tuple[int, int]:
    number, _, item = value.partition(":")
    return int(number), int(item)


def initial(opts: Sequence[Option], value: str | None) -> Option | None:
    return next((o for o in opts if o.value == value), None) if value else None


def text_input(
    form: PostmortemForm,
    field: str,
    label: str,
    *,
    value: str | None = None,
    optional: bool = True,
    multiline: bool = False,
    max_length: int = 200,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id(form, field),
        label=truncate(label, 2000),
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=field,
            initial_value=truncate(value, max_length) if value else None,
            multiline=multiline,
            max_length=max_length,
            placeholder=truncate(placeholder, 150) if placeholder else None,
        ),
    )


def select_input(
    form: PostmortemForm,
    field: str,
    label: str,
    pairs: Sequence[tuple[str, str]],
    *,
    value: str | None = None,
    optional: bool = True,
    hint: str | None = None,
) -> InputBlock:
    opts = options(pairs)
    return InputBlock(
        block_id=block_id(form, field),
        label=label,
        optional=optional,
        hint=hint,
        element=StaticSelectElement(
            action_id=field, options=opts, initial_option=initial(opts, value)
        ),
    )


def datetime_input(
    form: PostmortemForm,
    field: str,
    label: str,
    *,
    value: datetime | None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id(form, field),
        label=label,
        optional=True,
        hint=hint,
        element=DateTimePickerElement(
            action_id=field, initial_date_time=int(value.timestamp()) if value else None
        ),
    )


def date_input(
    form: PostmortemForm, field: str, label: str, *, value: date | None, hint: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=block_id(form, field),
        label=label,
        optional=True,
        hint=hint,
        element=DatePickerElement(
            action_id=field, initial_date=value.isoformat() if value else None
        ),
    )


def errors_for_view(
    form: PostmortemForm, errors: Mapping[str, str], view: Mapping[str, object]
) -> dict[str, str]:
    """`{field: message}` as Slack's `{block_id: message}` for the submitted view.

    Slack can only show an error under an input of the view; one about a field the view does
    not have (should never happen) goes under the first input, prefixed with the field name,
    rather than failing the whole answer."""
    blocks = view.get("blocks")
    inputs = [
        str(b.get("block_id"))
        for b in (blocks if isinstance(blocks, list) else [])
        if isinstance(b, dict) and b.get("type") == "input"
    ]
    shown: dict[str, str] = {}
    for field, message in errors.items():
        target = block_id(form, field)
        if target in inputs:
            shown[target] = message
        elif inputs:
            previous = shown.get(inputs[0])
            extra = f"{field}: {message}"
            shown[inputs[0]] = f"{previous} {extra}" if previous else extra
    return shown
