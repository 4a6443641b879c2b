"""The stakeholder-update form."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.incidents.model import Incident
from bot.slack.forms.state import IncidentState
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.messages.format import truncate


def build(incident: Incident) -> View:
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
