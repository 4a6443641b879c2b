"""The "record a change" modal: one typed control-plane change, by hand."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.core.changes.digest import AXIS_LABELS
from bot.core.changes.model import SERVICE_MAX, SUMMARY_MAX, VERSION_MAX, ChangeKind
from bot.core.incidents.model import Incident
from bot.slack.forms.state import ModalState
from bot.slack.ids import ActionId, BlockId, CallbackId

# What each kind covers, in the words a responder looks for; the axis follows from the kind.
KIND_HELP: dict[ChangeKind, str] = {
    ChangeKind.MODEL: "version bump, provider retrain, fine-tune",
    ChangeKind.PROMPT: "prompt, system message or policy",
    ChangeKind.ROUTING: "traffic routed to another model",
    ChangeKind.INDEX: "corpus, embedding or retrieval index",
    ChangeKind.JUDGE: "judge model or calibration",
    ChangeKind.TOOL: "a tool or the API behind it",
    ChangeKind.CONFIG: "flags, budgets, rate limits, sampling",
    ChangeKind.TRAFFIC: "query distribution shift",
}


class ChangeState(ModalState):
    """Where the modal was opened: the change lands on that channel's incident, if any."""

    origin_channel_id: str
    incident_number: int | None = None


def kind_label(kind: ChangeKind) -> str:
    return f"{kind.value} — {KIND_HELP[kind]} ({AXIS_LABELS[kind.axis]})"


def build(*, incident: Incident | None, origin_channel_id: str, now: datetime) -> View:
    options = [Option(value=kind.value, text=kind_label(kind)) for kind in ChangeKind]
    if incident is not None:
        where = (
            f"It goes on the timeline of *#{incident.number}* with its root-cause axis, and "
            "into the change ledger."
        )
    else:
        where = (
            "It goes into the change ledger; open incidents of the same AI feature get it on "
            "their timeline."
        )
    return View(
        type="modal",
        callback_id=CallbackId.CHANGE_MODAL,
        title="Record a change",
        submit="Record",
        close="Cancel",
        private_metadata=ChangeState(
            origin_channel_id=origin_channel_id,
            incident_number=incident.number if incident is not None else None,
        ).encode(),
        blocks=[
            ContextBlock(elements=[MarkdownTextObject(text=where)]),
            InputBlock(
                block_id=BlockId.CHANGE_KIND,
                label="What kind of change?",
                element=StaticSelectElement(action_id=ActionId.CHANGE_KIND, options=options),
            ),
            InputBlock(
                block_id=BlockId.CHANGE_SERVICE,
                label="AI feature or service",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ActionId.CHANGE_SERVICE,
                    initial_value=(incident.ai_feature if incident else None) or None,
                    max_length=SERVICE_MAX,
                    placeholder="e.g. legal-research-rag",
                ),
                hint="Leave it empty for a change that concerns every feature, such as a "
                "provider-wide model update.",
            ),
            InputBlock(
                block_id=BlockId.CHANGE_BEFORE,
                label="Before",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ActionId.CHANGE_BEFORE,
                    max_length=VERSION_MAX,
                    placeholder="e.g. gpt-4o-2024-08-06, prompt v3",
                ),
            ),
            InputBlock(
                block_id=BlockId.CHANGE_AFTER,
                label="After",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ActionId.CHANGE_AFTER,
                    max_length=VERSION_MAX,
                    placeholder="e.g. gpt-4o-2024-11-20, prompt v4",
                ),
                hint="For a model or routing change, the model name is recorded as "
                "gen_ai.request.model.",
            ),
            InputBlock(
                block_id=BlockId.CHANGE_OCCURRED_AT,
                label="When did it take effect?",
                element=DateTimePickerElement(
                    action_id=ActionId.CHANGE_OCCURRED_AT,
                    initial_date_time=int(now.timestamp()),
                ),
            ),
            InputBlock(
                block_id=BlockId.CHANGE_URL,
                label="Link",
                optional=True,
                element=UrlInputElement(
                    action_id=ActionId.CHANGE_URL,
                    placeholder="the PR, config diff, provider notice or dashboard",
                ),
            ),
            InputBlock(
                block_id=BlockId.CHANGE_NOTE,
                label="What changed?",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ActionId.CHANGE_NOTE,
                    multiline=True,
                    max_length=SUMMARY_MAX,
                    placeholder="e.g. 14,000 new court filings added; embedding not retrained",
                ),
                hint="A note, or the before/after values above (or both).",
            ),
        ],
    )


# Who recorded a change typed into the modal, as the ledger names its producers.
SLACK_SOURCE = "slack"
_MODEL_KINDS = (ChangeKind.MODEL, ChangeKind.ROUTING)
# The ChangeIn field each input fills.
_BLOCK_OF_FIELD = {
    "kind": BlockId.CHANGE_KIND,
    "service": BlockId.CHANGE_SERVICE,
    "before": BlockId.CHANGE_BEFORE,
    "after": BlockId.CHANGE_AFTER,
    "occurred_at": BlockId.CHANGE_OCCURRED_AT,
    "url": BlockId.CHANGE_URL,
    "summary": BlockId.CHANGE_NOTE,
}


def read(values: Mapping[str, Any], *, view_id: str, user_id: str) -> dict[str, Any]:
    """The typed-in change as the raw values ChangeIn validates: the same checks as
    `POST /api/v1/changes`, so a change typed by hand is held to what a producer's is. The
    view id makes it idempotent: a double-clicked submit records one change."""
    raw: dict[str, Any] = {field: values.get(block) for field, block in _BLOCK_OF_FIELD.items()}
    attributes: dict[str, Any] = {}
    if raw["kind"] in _MODEL_KINDS and raw["after"]:
        attributes["gen_ai.request.model"] = raw["after"]  # the OpenTelemetry GenAI name
    return {
        **raw,
        "source": SLACK_SOURCE,
        "external_id": f"slack-view:{view_id}",
        "actor": user_id,
        "attributes": attributes,
    }


def errors(problems: Mapping[str, str]) -> dict[str, str]:
    """ChangeIn's `{field: reason}` under the modal's inputs, as a sentence; a field the
    modal has no input for is reported under the note."""
    shown: dict[str, str] = {}
    for field, reason in problems.items():
        block = _BLOCK_OF_FIELD.get(field.rsplit(".", 1)[-1], BlockId.CHANGE_NOTE)
        shown.setdefault(
            block, reason[:1].upper() + reason[1:150] + ("" if reason.endswith(".") else ".")
        )
    return shown
