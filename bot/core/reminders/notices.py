"""What each reminder is about, as facts; the Slack edge words it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.incidents.model import Severity


@dataclass(frozen=True)
class PhaseOverTimebox:
    number: int
    channel_id: str
    phase: str
    timebox_minutes: int


@dataclass(frozen=True)
class UpdateOverdue:
    number: int
    channel_id: str
    severity: Severity
    minutes: int  # how long without a stakeholder update


@dataclass(frozen=True)
class PostmortemStillOpen:
    number: int
    channel_id: str
    hours: int  # how long the incident has been in its last phase


@dataclass(frozen=True)
class ItemUnowned:
    number: int
    title: str  # the item's words, as typed


@dataclass(frozen=True)
class ItemOverdue:
    number: int
    title: str
    due: date


@dataclass(frozen=True)
class CasesNotInEvalSet:
    """An eval-set item still open a week after the close, its cases not in the eval set."""

    number: int
    channel_id: str
    title: str
    days_closed: int
    captured: int  # cases the incident has (0: none captured at all)
    held: int  # of those, the ones neither exported nor pushed


ReminderFacts = (
    PhaseOverTimebox
    | UpdateOverdue
    | PostmortemStillOpen
    | ItemUnowned
    | ItemOverdue
    | CasesNotInEvalSet
)
