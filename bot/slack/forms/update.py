"""The stakeholder-update form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.forms import LONG_TEXT_MAX
from bot.core.incidents.model import Incident
from bot.slack.forms.errors import shown_under
from bot.slack.forms.state import IncidentState
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.messages.format import truncate
from bot.slack.messages.mrkdwn import escape

TITLE = "Stakeholder update"


def build(incident: Incident) -> View:
    assert incident.number is not None and incident.channel_id is not None
    return View(
        type="modal",
        callback_id=CallbackId.UPDATE_MODAL,
        title=TITLE,
        submit="Post update",
        close="Cancel",
        private_metadata=IncidentState(
            incident_number=incident.number, channel_id=incident.channel_id
        ).encode(),
        blocks=[
            SectionBlock(text=truncate(f"*#{incident.number} {escape(incident.title)}*", 3000)),
            InputBlock(
                block_id=BlockId.UPDATE_TEXT,
                label="Update",
                element=PlainTextInputElement(
                    action_id=ActionId.UPDATE_TEXT,
                    multiline=True,
                    max_length=LONG_TEXT_MAX,
                    placeholder="What we know, what we are doing, when the next update comes.",
                ),
            ),
        ],
    )


# Each field of UpdateInput, and the input it is typed in.
_INPUTS = {"text": BlockId.UPDATE_TEXT}


def read(values: Mapping[str, Any]) -> dict[str, object]:
    """The typed update, as the raw values UpdateInput checks."""
    return {field: values.get(block) for field, block in _INPUTS.items()}


def errors(problems: Mapping[str, str]) -> dict[str, str]:
    """UpdateInput's `{field: message}` under the form's input."""
    return shown_under(problems, _INPUTS)
