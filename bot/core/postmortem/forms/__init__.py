"""The postmortem's forms as input models: what a responder types, checked once, in the core.

Each model takes the raw values a Slack modal or a JSON body carries (strings, selected option
values, picked dates) and either passes, giving the domain record, or fails with every problem
as `{field: message}` (see bot.core.forms). Two rooms: `findings` (detection, scope, root cause,
resolution: what happened) and `action_items` (what the team will do, and proof it was done).
"""

from bot.core.postmortem.forms.action_items import ActionItemInput, CompletionInput
from bot.core.postmortem.forms.findings import (
    DetectionInput,
    ResolutionInput,
    RootCauseInput,
    SliceInput,
)

__all__ = [
    "ActionItemInput",
    "CompletionInput",
    "DetectionInput",
    "ResolutionInput",
    "RootCauseInput",
    "SliceInput",
]
