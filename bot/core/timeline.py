"""Timeline kinds, and the one place where each control-plane kind meets its root-cause axis."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Axis(StrEnum):
    """The five root-cause axes of DOMAIN.md; a postmortem must pick one or more."""

    MODEL = "model"
    PROMPT = "prompt"
    JUDGE = "judge"
    DATA = "data"
    ENVIRONMENT = "environment"


class TimelineKind(StrEnum):
    NOTE = "note"
    STATUS = "status"
    PHASE = "phase"
    ROLE = "role"
    SEVERITY = "severity"
    UPDATE = "update"
    ALERT = "alert"
    DETECTION = "detection"
    STABILIZATION = "stabilization"
    MITIGATION = "mitigation"
    MODEL_CHANGE = "model_change"
    PROMPT_CHANGE = "prompt_change"
    ROUTING_CHANGE = "routing_change"
    INDEX_CHANGE = "index_change"
    JUDGE_CHANGE = "judge_change"
    TOOL_CHANGE = "tool_change"
    CONFIG_CHANGE = "config_change"
    TRAFFIC_SHIFT = "traffic_shift"
    SLACK_MESSAGE = "slack_message"


# Why each mapping: routing sends traffic to another model (Model); index/corpus/embedding and a
# shifted query distribution are what the model is fed (Data); a tool API and config such as
# budgets, rate limits and flags around the model are the Environment it runs in.
_AXIS_OF_KIND: dict[TimelineKind, Axis] = {
    TimelineKind.MODEL_CHANGE: Axis.MODEL,
    TimelineKind.ROUTING_CHANGE: Axis.MODEL,
    TimelineKind.PROMPT_CHANGE: Axis.PROMPT,
    TimelineKind.JUDGE_CHANGE: Axis.JUDGE,
    TimelineKind.INDEX_CHANGE: Axis.DATA,
    TimelineKind.TRAFFIC_SHIFT: Axis.DATA,
    TimelineKind.TOOL_CHANGE: Axis.ENVIRONMENT,
    TimelineKind.CONFIG_CHANGE: Axis.ENVIRONMENT,
}


def axis_of(kind: TimelineKind) -> Axis | None:
    """The root-cause axis a timeline kind points at, or None for bookkeeping kinds."""
    return _AXIS_OF_KIND.get(kind)


def is_control_plane(kind: TimelineKind) -> bool:
    return kind in _AXIS_OF_KIND


def person(user_id: str) -> str:
    """How a summary names someone: `@` and their user id (`@U04AB`), plain words any reader
    can show as they are. Readers that know names swap it for one (`named_summary`); the event
    lists everyone its summary names in `details["user_ids"]`."""
    return f"@{user_id}"


class TimelineEvent(BaseModel):
    """One line of an incident's timeline. `occurred_at` is when it happened in the world,
    `recorded_at` when the bot learned of it; a pinned message keeps its original time."""

    model_config = ConfigDict(from_attributes=True)

    id: int | None = None
    incident_number: int
    occurred_at: datetime
    recorded_at: datetime
    kind: TimelineKind
    axis: Axis | None = None
    actor: str | None = None
    source: str = "slack"
    summary: str
    details: dict[str, Any] = Field(default_factory=dict)
    permalink: str | None = None
    dedupe_key: str | None = None

    @property
    def user_ids(self) -> list[str]:
        """Everyone the summary names (see `person`)."""
        return [str(user) for user in self.details.get("user_ids") or []]

    def named_summary(self, name_of: Callable[[str], str]) -> str:
        """The summary with each person it names written as `name_of(user_id)`."""
        ids = sorted(set(self.user_ids), key=len, reverse=True)  # U12 before U1
        if not ids:
            return self.summary
        named = re.compile("@(" + "|".join(map(re.escape, ids)) + ")(?![A-Za-z0-9])")
        return named.sub(lambda found: name_of(found[1]), self.summary)
