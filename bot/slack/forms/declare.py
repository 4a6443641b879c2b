"""The declare form: a new incident's title, severity, category and runbook."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DateTimePickerElement,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.incidents.model import Category, HowDetected, Severity
from bot.slack.forms.errors import shown_under
from bot.slack.forms.state import DeclareState
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.messages.format import options, truncate

PRIVATE = "private"

_CATEGORY_HELP = {
    Category.USER_VISIBLE_REGRESSION: "complaints, escalations, support volume",
    Category.RELEASE_GATE_ESCAPE: "a release got past the gate",
    Category.SILENT_DRIFT: "drift dashboards caught it first",
}


def build(
    *,
    title: str = "",
    origin_channel_id: str | None,
    runbooks: Sequence[tuple[str, str]] = (("default", "Default AI incident runbook"),),
    default_runbook: str = "default",
) -> View:
    severity_options = options([(s.value, s.label) for s in Severity])
    category_options = options([(c.value, f"{c.label} — {_CATEGORY_HELP[c]}") for c in Category])
    detected_options = options([(h.value, h.label) for h in HowDetected])
    runbook_options = options(runbooks)
    initial_runbook = next(
        (o for o in runbook_options if o.value == default_runbook), runbook_options[0]
    )
    return View(
        type="modal",
        callback_id=CallbackId.DECLARE_MODAL,
        title="Declare AI incident",
        submit="Declare",
        close="Cancel",
        private_metadata=DeclareState(origin_channel_id=origin_channel_id).encode(),
        blocks=[
            InputBlock(
                block_id=BlockId.TITLE,
                label="Title",
                element=PlainTextInputElement(
                    action_id=ActionId.TITLE,
                    initial_value=truncate(title, 150) or None,
                    max_length=150,
                    placeholder="e.g. Legal research assistant cites cases that do not exist",
                ),
            ),
            InputBlock(
                block_id=BlockId.SEVERITY,
                label="Severity",
                element=StaticSelectElement(
                    action_id=ActionId.SEVERITY,
                    options=severity_options,
                    initial_option=severity_options[1],
                ),
                hint="Scope sets severity: who and which slices are affected.",
            ),
            InputBlock(
                block_id=BlockId.CATEGORY,
                label="Category",
                element=StaticSelectElement(action_id=ActionId.CATEGORY, options=category_options),
            ),
            InputBlock(
                block_id=BlockId.AI_FEATURE,
                label="Affected AI feature",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ActionId.AI_FEATURE,
                    max_length=150,
                    placeholder="e.g. legal-research-rag",
                ),
            ),
            InputBlock(
                block_id=BlockId.HOW_DETECTED,
                label="How was it detected?",
                optional=True,
                element=StaticSelectElement(
                    action_id=ActionId.HOW_DETECTED, options=detected_options
                ),
            ),
            InputBlock(
                block_id=BlockId.REGRESSION_STARTED_AT,
                label="Regression started at (best estimate)",
                optional=True,
                element=DateTimePickerElement(action_id=ActionId.REGRESSION_STARTED_AT),
                hint="Not when you noticed: when the output first went wrong.",
            ),
            InputBlock(
                block_id=BlockId.RUNBOOK,
                label="Runbook",
                element=StaticSelectElement(
                    action_id=ActionId.RUNBOOK,
                    options=runbook_options,
                    initial_option=initial_runbook,
                ),
            ),
            InputBlock(
                block_id=BlockId.DESCRIPTION,
                label="What is the output, and what should it be?",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ActionId.DESCRIPTION, multiline=True, max_length=3000
                ),
            ),
            InputBlock(
                block_id=BlockId.PRIVATE,
                label="Visibility",
                optional=True,
                element=CheckboxesElement(
                    action_id=ActionId.PRIVATE, options=options([(PRIVATE, "Private")])
                ),
                hint="A private channel, no announcement, and hidden from everyone not in it.",
            ),
        ],
    )


# Each input's block id is the DeclareInput field it fills.
_INPUTS = (
    BlockId.TITLE,
    BlockId.SEVERITY,
    BlockId.CATEGORY,
    BlockId.AI_FEATURE,
    BlockId.HOW_DETECTED,
    BlockId.REGRESSION_STARTED_AT,
    BlockId.DESCRIPTION,
    BlockId.RUNBOOK,
)


def read(values: Mapping[str, Any]) -> dict[str, object]:
    """The typed-in declaration, as the raw values DeclareInput validates."""
    raw: dict[str, object] = {block.value: values.get(block) for block in _INPUTS}
    raw["runbook"] = raw["runbook"] or "default"
    raw["private"] = PRIVATE in (values.get(BlockId.PRIVATE) or [])
    return raw


def errors(problems: Mapping[str, str]) -> dict[str, str]:
    """DeclareInput's `{field: message}` under the form's inputs."""
    return shown_under(problems, {block.value: block for block in _INPUTS})
