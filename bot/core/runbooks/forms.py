"""The stabilization-lever form as an input model: who authorized pulling it, and what it costs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from bot.core.forms import FormInput, text

TRADE_OFF_MAX = 2000


class LeverInput(FormInput):
    """A lever is pulled only with a named authorizer and the trade-off said out loud: the
    postmortem asks what was given up to stabilize, and by whose decision."""

    authorized_by: Annotated[
        str,
        BeforeValidator(
            text("Who authorized it", required=True, missing="Who authorized pulling this lever?")
        ),
    ]
    trade_off: Annotated[
        str,
        BeforeValidator(
            text(
                "The trade-off",
                required=True,
                max_length=TRADE_OFF_MAX,
                missing="Say what it costs (quality, cost, users).",
            )
        ),
    ]
