"""Modals of the incident lifecycle: declare, stakeholder update, pick an incident."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ContextBlock,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.model import Category, HowDetected, Incident, Severity
from bot.core.runbooks.model import StabilizationLever
from bot.slack.forms.state import DeclareState, IncidentState, LeverState, PinMessageState
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.messages.format import options, truncate

_CATEGORY_HELP = {
    Category.USER_VISIBLE_REGRESSION: "complaints, escalations, support volume",
    Category.RELEASE_GATE_ESCAPE: "a release got past the gate",
    Category.SILENT_DRIFT: "drift dashboards caught it first",
}


def declare_modal(
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
        ],
    )


def update_modal(incident: Incident) -> View:
    assert incident.number is not None and incident.channel_id is not None
    return View(
        type="modal",
        callback_id=CallbackId.UPDATE_MODAL,
        title="Stakeholder update",
        submit="Post update",
        close="Cancel",
        private_metadata=IncidentState(
            incident_number=incident.number, channel_id=incident.channel_id
        ).encode(),
        blocks=[
            SectionBlock(text=truncate(f"*#{incident.number} {incident.title}*", 3000)),
            InputBlock(
                block_id=BlockId.UPDATE_TEXT,
                label="Update",
                element=PlainTextInputElement(
                    action_id=ActionId.UPDATE_TEXT,
                    multiline=True,
                    max_length=3000,
                    placeholder="What we know, what we are doing, when the next update comes.",
                ),
            ),
        ],
    )


def loading_modal(title: str) -> View:
    """Opened at once with a trigger_id, then replaced once the data is loaded."""
    return View(
        type="modal",
        title=truncate(title, 24),
        close="Close",
        blocks=[SectionBlock(text=":hourglass_flowing_sand: Loading…")],
    )


def pick_incident_modal(incidents: Sequence[Incident], *, message: SlackMessage) -> View:
    if not incidents:
        return View(
            type="modal",
            title="Add to timeline",
            close="Close",
            blocks=[
                SectionBlock(
                    text="There is no open incident. Declare one with `/ai-incident open`."
                )
            ],
        )
    incident_options = options(
        [(str(i.number), f"#{i.number} {i.title} ({i.severity.value})") for i in incidents[:100]]
    )
    return View(
        type="modal",
        callback_id=CallbackId.TIMELINE_PICK_MODAL,
        title="Add to timeline",
        submit="Add",
        close="Cancel",
        private_metadata=PinMessageState(
            channel_id=message.channel_id,
            ts=message.ts,
            author_id=message.author_id,
            text=truncate(message.text, 2500),
            user_ids=message.user_ids,
        ).encode(),
        blocks=[
            InputBlock(
                block_id=BlockId.PICK_INCIDENT,
                label="Incident",
                element=StaticSelectElement(
                    action_id=ActionId.PICK_INCIDENT, options=incident_options
                ),
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="The message keeps its original time, author and a permalink."
                    )
                ]
            ),
        ],
    )


def lever_modal(incident: Incident, *, phase: str, lever: StabilizationLever) -> View:
    assert incident.number is not None
    return View(
        type="modal",
        callback_id=CallbackId.LEVER_MODAL,
        title="Stabilization lever",
        submit="Record",
        close="Cancel",
        private_metadata=LeverState(
            incident_number=incident.number, phase=phase, lever_id=lever.id
        ).encode(),
        blocks=[
            SectionBlock(text=truncate(f"*{lever.title}*\n{lever.description}", 3000)),
            InputBlock(
                block_id=BlockId.LEVER_AUTHORIZED_BY,
                label="Authorized by",
                element=UserSelectElement(action_id=ActionId.LEVER_AUTHORIZED_BY),
            ),
            InputBlock(
                block_id=BlockId.LEVER_TRADE_OFF,
                label="Trade-off",
                element=PlainTextInputElement(
                    action_id=ActionId.LEVER_TRADE_OFF,
                    multiline=True,
                    max_length=2000,
                    placeholder=truncate(lever.trade_off_prompt, 150),
                ),
                hint=truncate(lever.trade_off_prompt, 2000),
            ),
        ],
    )
