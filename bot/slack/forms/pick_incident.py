"""Pick the incident a message goes on: the "Add to incident timeline" and "Add as regression
case" shortcuts, used outside an incident channel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.model import Incident
from bot.slack.forms.errors import shown_under
from bot.slack.forms.state import PinMessageState
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.messages.format import options, truncate

TIMELINE_NOTE = "The message keeps its original time, author and a permalink."


def build(
    incidents: Sequence[Incident],
    *,
    message: SlackMessage,
    callback_id: CallbackId = CallbackId.TIMELINE_PICK_MODAL,
    title: str = "Add to timeline",
    submit: str = "Add",
    note: str = TIMELINE_NOTE,
    permalink: str | None = None,
) -> View:
    if not incidents:
        return View(
            type="modal",
            title=title,
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
        callback_id=callback_id,
        title=title,
        submit=submit,
        close="Cancel",
        private_metadata=PinMessageState(
            channel_id=message.channel_id,
            ts=message.ts,
            author_id=message.author_id,
            text=truncate(message.text, 2500),
            user_ids=message.user_ids,
            permalink=permalink,
        ).encode(),
        blocks=[
            InputBlock(
                block_id=BlockId.PICK_INCIDENT,
                label="Incident",
                element=StaticSelectElement(
                    action_id=ActionId.PICK_INCIDENT, options=incident_options
                ),
            ),
            ContextBlock(elements=[MarkdownTextObject(text=note)]),
        ],
    )


# The field of PickedIncident, and the menu it is picked in.
_INPUTS = {"number": BlockId.PICK_INCIDENT}


def read(values: Mapping[str, Any]) -> dict[str, object]:
    """The picked incident, as the raw value PickedIncident checks."""
    return {field: values.get(block) for field, block in _INPUTS.items()}


def errors(problems: Mapping[str, str]) -> dict[str, str]:
    """PickedIncident's `{field: message}` under the menu."""
    return shown_under(problems, _INPUTS)
