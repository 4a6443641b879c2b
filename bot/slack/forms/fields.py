"""What the postmortem's modals share: their typed state, input ids, and small element helpers.

An input's block_id is `<form>.<field>` and its action_id the field name (see
bot.slack.ids.PostmortemForm), so a `{field: message}` from bot.core.postmortem.forms becomes
Slack's `{block_id: message}` without a lookup table that could drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)

from bot.core.forms import SHORT_TEXT_MAX
from bot.core.incidents.model import Incident
from bot.core.postmortem.analysis import CalibrationRecord
from bot.core.postmortem.flags import MIN_CALIBRATION_LABELS
from bot.core.postmortem.formatting import number
from bot.slack.forms.state import ModalState
from bot.slack.ids import ActionField, PostmortemForm
from bot.slack.messages.format import options, truncate
from bot.slack.messages.mrkdwn import escape
from bot.slack.payloads import MalformedPayload, pair_in


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


def parse_ref(value: object) -> tuple[int, int]:
    """(incident number, row or item id) from what `item_ref` wrote; MalformedPayload else."""
    return pair_in(value, ":")


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
    rather than failing the whole answer. A view with no input at all is no form of this bot's
    (MalformedPayload)."""
    blocks = view.get("blocks")
    inputs = [
        str(b.get("block_id"))
        for b in (blocks if isinstance(blocks, list) else [])
        if isinstance(b, dict) and b.get("type") == "input"
    ]
    if errors and not inputs:
        raise MalformedPayload(f"a {form.value} form came back without its inputs")
    shown: dict[str, str] = {}
    for field, message in errors.items():
        target = block_id(form, field)
        if target in inputs:
            shown[target] = message
        else:
            previous = shown.get(inputs[0])
            extra = f"{field}: {message}"
            shown[inputs[0]] = f"{previous} {extra}" if previous else extra
    return shown


def context_block(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 3000))])


def analysis_state(incident: Incident) -> str:
    assert incident.number is not None and incident.channel_id is not None
    return AnalysisState(incident_number=incident.number, channel_id=incident.channel_id).encode()


def heading(incident: Incident, text: str) -> SectionBlock:
    return SectionBlock(
        text=truncate(f"*#{incident.number} {escape(incident.title)}*\n{text}", 3000)
    )


def checkboxes_input(
    form: PostmortemForm,
    field: str,
    label: str,
    pairs: Sequence[tuple[str, str]],
    *,
    chosen: Sequence[str],
) -> InputBlock:
    opts = options(pairs)
    picked = [o for o in opts if o.value in chosen]
    return InputBlock(
        block_id=block_id(form, field),
        label=label,
        optional=True,
        element=CheckboxesElement(action_id=field, options=opts, initial_options=picked or None),
    )


def record_inputs(form: PostmortemForm, record: CalibrationRecord | None) -> list[Block]:
    return [
        text_input(
            form,
            ActionField.LABELS,
            "Number of human labels",
            value=str(record.labels) if record else None,
            max_length=10,
            placeholder=f"e.g. 40 (at least {MIN_CALIBRATION_LABELS})",
        ),
        text_input(
            form,
            ActionField.KAPPA,
            "Cohen's kappa",
            value=number(record.kappa) if record else None,
            max_length=20,
            placeholder="between -1 and 1, e.g. 0.78",
        ),
        text_input(
            form,
            ActionField.TPR,
            "TPR (true-positive rate)",
            value=number(record.tpr) if record else None,
            max_length=20,
            placeholder="between 0 and 1, e.g. 0.91",
        ),
        text_input(
            form,
            ActionField.TNR,
            "TNR (true-negative rate)",
            value=number(record.tnr) if record else None,
            max_length=20,
            placeholder="between 0 and 1, e.g. 0.88",
        ),
        text_input(
            form,
            ActionField.JUDGE_VERSION,
            "Judge version",
            value=record.judge_version if record else None,
            max_length=SHORT_TEXT_MAX,
            placeholder="e.g. citation-judge v7",
        ),
    ]


# -- reading a submitted form: `values` is the flat `{block_id: value}` of bot.slack.middleware


def value_of(values: Mapping[str, Any], form: PostmortemForm, field: str) -> Any:
    return values.get(block_id(form, field))


def text_of(values: Mapping[str, Any], form: PostmortemForm, field: str) -> str | None:
    value = value_of(values, form, field)
    return str(value) if value is not None else None


def list_of(values: Mapping[str, Any], form: PostmortemForm, field: str) -> list[str]:
    value = value_of(values, form, field)
    return [str(v) for v in value] if isinstance(value, list) else []
