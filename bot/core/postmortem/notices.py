"""What the postmortem's use cases tell the incident's channel, and the facts of a close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.events import Notice
from bot.core.incidents.model import HowDetected, Severity
from bot.core.postmortem.analysis import ActionCategory
from bot.core.timeline import Axis


@dataclass(frozen=True)
class DetectionRecorded(Notice):
    number: int
    actor: str
    how: HowDetected | None
    signal: str | None  # the responder's words
    time_to_detect_seconds: float | None  # None until start and first alarm are both known


@dataclass(frozen=True)
class ScopeContradictsSeverity(Notice):
    number: int
    severity: Severity
    explanation: str


@dataclass(frozen=True)
class RootCauseRecorded(Notice):
    number: int
    actor: str
    axes: tuple[Axis, ...]  # the one that moved first comes first
    first_axis: Axis | None


@dataclass(frozen=True)
class ActionAdded(Notice):
    number: int
    actor: str
    position: int
    category: ActionCategory
    title: str
    owner_id: str | None
    due: date | None


@dataclass(frozen=True)
class ActionAssigned(Notice):
    number: int
    actor: str
    position: int
    owner_id: str
    title: str


@dataclass(frozen=True)
class ActionCompleted(Notice):
    number: int
    actor: str
    position: int
    title: str
    artefact_url: str | None


@dataclass(frozen=True)
class ActionDropped(Notice):
    number: int
    actor: str
    position: int
    title: str


@dataclass(frozen=True)
class ClosingSummary:
    """What the message posted with the postmortem file says."""

    number: int
    actor: str
    time_to_detect_seconds: float | None
    time_to_mitigate_seconds: float | None
    action_items: int  # dropped ones left out
    eval_set_items: int
    open_items: int
    review_flags: int
    overridden: tuple[str, ...]  # titles of the blocking flags closed over
    template_problem: str | None
