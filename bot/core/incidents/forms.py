"""The incident's small forms as input models: a stakeholder update, and the incident a message
goes on. (The declaration is `DeclareInput`, next to the incident in bot.core.incidents.model.)
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

from bot.core.forms import LONG_TEXT_MAX, FormInput, clean, problem, text

_INCIDENT_NUMBER = re.compile(r"[0-9]{1,9}")


class UpdateInput(FormInput):
    """A stakeholder update: what we know, what we are doing, when the next update comes."""

    text: Annotated[
        str,
        BeforeValidator(
            text("The update", required=True, max_length=LONG_TEXT_MAX, missing="Write the update.")
        ),
    ]


def _incident_number(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    picked = clean(value)
    if picked is None:
        raise problem("Pick one.")
    if not _INCIDENT_NUMBER.fullmatch(picked):
        # Only a hand-made submission gets here: the menu offers incident numbers.
        raise problem(f"'{picked[:40]}' is not an incident number; pick one from the list.")
    return int(picked)


class PickedIncident(FormInput):
    """Which incident a message goes on (the "add to incident timeline" shortcut)."""

    number: Annotated[int, BeforeValidator(_incident_number)]
