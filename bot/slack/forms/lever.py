"""The stabilization-lever form: who authorized pulling it, and the trade-off accepted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    PlainTextInputElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.core.incidents.model import Incident
from bot.core.runbooks.forms import TRADE_OFF_MAX
from bot.core.runbooks.model import StabilizationLever
from bot.slack.forms.errors import shown_under
from bot.slack.forms.state import LeverState
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.messages.format import truncate

TITLE = "Stabilization lever"


def build(incident: Incident, *, phase: str, lever: StabilizationLever) -> View:
    assert incident.number is not None
    return View(
        type="modal",
        callback_id=CallbackId.LEVER_MODAL,
        title=TITLE,
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
                    max_length=TRADE_OFF_MAX,
                    placeholder=truncate(lever.trade_off_prompt, 150),
                ),
                hint=truncate(lever.trade_off_prompt, 2000),
            ),
        ],
    )


# Each field of LeverInput, and the input it is typed in.
_INPUTS = {
    "authorized_by": BlockId.LEVER_AUTHORIZED_BY,
    "trade_off": BlockId.LEVER_TRADE_OFF,
}


def read(values: Mapping[str, Any]) -> dict[str, object]:
    """Who authorized the lever and its trade-off, as the raw values LeverInput checks."""
    return {field: values.get(block) for field, block in _INPUTS.items()}


def errors(problems: Mapping[str, str]) -> dict[str, str]:
    """LeverInput's `{field: message}` under the form's inputs."""
    return shown_under(problems, _INPUTS)
