"""Everything a postmortem is compiled from, gathered in one value.

The review flags read it while the incident runs (the draft) and the compiler reads it at close;
keeping it in its own module lets both depend on it without depending on each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from bot.core.cases.model import CaseView
from bot.core.incidents.model import Incident
from bot.core.postmortem.analysis import (
    ActionItem,
    Detection,
    Resolution,
    RootCause,
    SliceImpact,
    UtcDatetime,
    as_utc,
)
from bot.core.timeline import TimelineEvent

# `details["event"]` of the timeline line the declaration writes for the start it was given.
DECLARED_START_EVENT = "regression_started"


class CloseOverride(BaseModel):
    """A close despite blocking flags: who decided, when, and which flags they overrode.

    It is printed in the postmortem so a retro can see the gap was known and accepted."""

    model_config = ConfigDict(from_attributes=True)

    by: str
    at: UtcDatetime
    flags: list[str] = Field(default_factory=list)
    reason: str | None = None


class PostmortemInput(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    incident: Incident
    detection: Detection | None = None
    slices: list[SliceImpact] = Field(default_factory=list)
    root_cause: RootCause | None = None
    # In the order they are numbered in the postmortem (storage lists them by id).
    action_items: list[ActionItem] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    resolution: Resolution | None = None
    close_override: CloseOverride | None = None
    # The regression cases captured, each with what the last gate run that included it said.
    cases: list[CaseView] = Field(default_factory=list)
    # Slack user id -> display name, so the document reads "@dana" rather than "U04ABCD".
    user_names: dict[str, str] = Field(default_factory=dict)

    def numbered_actions(self) -> Iterator[tuple[int, ActionItem]]:
        """Action items with the 1-based number the postmortem's table gives them."""
        return enumerate(self.action_items, start=1)

    def regression_started_at(self) -> datetime | None:
        """The detection form's value, else the one given at declaration."""
        if self.detection and self.detection.regression_started_at:
            return self.detection.regression_started_at
        return _utc(self.incident.regression_started_at)

    def regression_start_as_declared(self) -> bool:
        """Whether the regression start in use is still the one given at declaration.

        A declared start is a guess made under pressure ("3 days ago"); one revised in the
        detection form was worked out afterwards. Nothing stores which it is: the declaration
        puts the declared start on the timeline (`DECLARED_START_EVENT`), and a start still
        equal to that moment was never revised. Without the timeline this is False, which keeps
        the flags that depend on it silent rather than wrong."""
        started = self.regression_started_at()
        return started is not None and any(
            event.details.get("event") == DECLARED_START_EVENT
            and as_utc(event.occurred_at) == started
            for event in self.timeline
        )

    def first_alarm_at(self) -> datetime | None:
        if self.detection and self.detection.first_alarm_at:
            return self.detection.first_alarm_at
        return _utc(self.incident.first_alarm_at)

    def mitigated_at(self) -> datetime | None:
        if self.resolution and self.resolution.mitigated_at:
            return self.resolution.mitigated_at
        return _utc(self.incident.mitigated_at)


def _utc(moment: datetime | None) -> datetime | None:
    # The incident comes from storage as it is; SQLite hands back naive datetimes.
    return as_utc(moment) if moment is not None else None
