"""The regression-case form: one failing example, what should have happened instead, and the
versions involved. Opened by `/ai-incident case`, the "Add as regression case" shortcut
(prefilled from the message) and the Edit button of the cases list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.cases.forms import EXPECTED_MAX
from bot.core.cases.model import CaseSource, Expectation, RegressionCase, Risk
from bot.core.forms import SHORT_TEXT_MAX, URL_MAX
from bot.slack.forms.errors import shown_under
from bot.slack.forms.fields import initial
from bot.slack.forms.state import ModalState
from bot.slack.ids import CallbackId, CaseField
from bot.slack.messages.format import options, truncate
from bot.slack.messages.mrkdwn import optional_link

# Slack's plain-text input holds at most 3,000 characters; a longer prompt comes by REST.
SLACK_TEXT_MAX = 3000
SLICE_MAX = 150

_EXPECTATION_HELP = {
    Expectation.REFERENCE: "Reference answer — the output must agree with it",
    Expectation.MUST: "Must — what the output must do",
    Expectation.MUST_NOT: "Must not — what the output must not do",
}


class CaseState(ModalState):
    """Which incident the case belongs to, where it came from, and (on an edit) which case."""

    incident_number: int
    channel_id: str | None = None  # the incident's channel, where the form was opened
    case_id: int | None = None
    source: CaseSource = CaseSource.COMMAND
    source_url: str | None = None  # the captured message's permalink
    # The cases list underneath, refreshed once the case is saved.
    parent_view_id: str | None = None


def block_id(field: CaseField) -> str:
    return f"case.{field.value}"


# Each CaseInput field, and the input it is typed in.
_INPUTS = {field.value: block_id(field) for field in CaseField}


def _text(
    field: CaseField,
    label: str,
    *,
    value: str | None,
    optional: bool = True,
    multiline: bool = False,
    max_length: int = SHORT_TEXT_MAX,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block_id(field),
        label=label,
        optional=optional,
        hint=hint,
        element=PlainTextInputElement(
            action_id=field.value,
            initial_value=truncate(value, max_length) if value else None,
            multiline=multiline,
            max_length=max_length,
            placeholder=placeholder,
        ),
    )


def _select(
    field: CaseField, label: str, pairs: list[tuple[str, str]], *, value: str
) -> InputBlock:
    opts = options(pairs)
    return InputBlock(
        block_id=block_id(field),
        label=label,
        element=StaticSelectElement(
            action_id=field.value, options=opts, initial_option=initial(opts, value)
        ),
    )


def build(
    number_: int,
    *,
    channel_id: str | None = None,
    case: RegressionCase | None = None,
    input_text: str | None = None,
    source: CaseSource = CaseSource.COMMAND,
    source_url: str | None = None,
    parent_view_id: str | None = None,
) -> View:
    """A new case (prefilled with `input_text`, e.g. a captured message), or `case` to edit."""
    versions = case.versions if case else None
    origin = case.source_url if case else source_url
    where = f"Regression case for incident *#{number_}*"
    if case:
        where += f", key `{case.key}` (it keeps its key when edited)"
    shown = optional_link(origin, "the message") if origin else None
    if shown:
        where += f", captured from {shown}"
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=truncate(where + ".", 3000))]),
        _text(
            CaseField.INPUT,
            "Input",
            value=case.input if case else input_text,
            optional=False,
            multiline=True,
            max_length=SLACK_TEXT_MAX,
            placeholder="The prompt or query that failed",
        ),
        _text(
            CaseField.OBSERVED,
            "Observed output",
            value=case.observed if case else None,
            multiline=True,
            max_length=SLACK_TEXT_MAX,
            placeholder="What the system answered",
        ),
        _text(
            CaseField.EXPECTED,
            "Expected behaviour",
            value=case.expected if case else None,
            optional=False,
            multiline=True,
            max_length=EXPECTED_MAX,
            placeholder="e.g. Cites the 2025 amendment of section 12",
        ),
        _select(
            CaseField.EXPECTATION,
            "Stated as",
            [(e.value, _EXPECTATION_HELP[e]) for e in Expectation],
            value=(case.expectation if case else Expectation.MUST).value,
        ),
        _text(
            CaseField.SLICE,
            "Slice",
            value=case.slice if case else None,
            max_length=SLICE_MAX,
            placeholder="e.g. filings added in the January update",
        ),
        _select(
            CaseField.RISK,
            "Risk",
            [(r.value, r.value.capitalize()) for r in Risk],
            value=(case.risk if case else Risk.MEDIUM).value,
        ),
        _text(
            CaseField.TRACE_URL,
            "Trace link",
            value=case.trace_url if case else None,
            max_length=URL_MAX,
            placeholder="https://… (the trace in your observability tool)",
        ),
        _text(
            CaseField.REQUEST_MODEL,
            "Model",
            value=versions.request_model if versions else None,
            placeholder="e.g. gpt-4o-2024-11-20",
            hint="Exported as gen_ai.request.model.",
        ),
        _text(
            CaseField.PROVIDER_NAME,
            "Provider",
            value=versions.provider_name if versions else None,
            placeholder="e.g. openai",
            hint="Exported as gen_ai.provider.name.",
        ),
        _text(
            CaseField.PROMPT_NAME,
            "Prompt name",
            value=versions.prompt_name if versions else None,
            placeholder="e.g. legal-answer",
        ),
        _text(
            CaseField.PROMPT_VERSION,
            "Prompt version",
            value=versions.prompt_version if versions else None,
            placeholder="e.g. v14",
        ),
    ]
    return View(
        type="modal",
        callback_id=CallbackId.CASE_MODAL,
        title="Edit regression case" if case else "Add regression case",
        submit="Save",
        close="Back" if parent_view_id else "Cancel",
        private_metadata=CaseState(
            incident_number=number_,
            channel_id=channel_id,
            case_id=case.id if case else None,
            source=case.source if case else source,
            source_url=None if case else source_url,
            parent_view_id=parent_view_id,
        ).encode(),
        blocks=blocks,
    )


def read(values: Mapping[str, Any]) -> dict[str, object]:
    """The typed-in case as the raw values CaseInput checks (the same checks as REST)."""
    return {field: values.get(block) for field, block in _INPUTS.items()}


def errors(problems: Mapping[str, str]) -> dict[str, str]:
    """CaseInput's `{field: message}` under the inputs they are about."""
    return shown_under(problems, _INPUTS)
