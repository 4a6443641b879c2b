"""The incident: its vocabulary (severity, category, phase, roles) and its state.

These are the domain's own types. Storage maps them onto tables and the Slack layer renders
them; neither owns them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.core.forms import CLOCK_SKEW, clean, context, problem, utc


class Severity(StrEnum):
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"

    @property
    def label(self) -> str:
        return {"S1": "S1 — critical", "S2": "S2 — major", "S3": "S3 — minor"}[self.value]

    def is_worse_than(self, other: Severity) -> bool:
        """S1 is worse than S2, which is worse than S3."""
        return self.value < other.value


class Category(StrEnum):
    """What triggered the incident (DOMAIN.md, "Incident categories")."""

    USER_VISIBLE_REGRESSION = "user_visible_regression"
    RELEASE_GATE_ESCAPE = "release_gate_escape"
    SILENT_DRIFT = "silent_drift"

    @property
    def label(self) -> str:
        return {
            "user_visible_regression": "User-visible regression",
            "release_gate_escape": "Release-gate escape",
            "silent_drift": "Silent drift",
        }[self.value]


class Phase(StrEnum):
    """The default runbook's phases; runbooks may name their own, so phases are stored as text."""

    TRIAGE = "triage"
    SCOPE = "scope"
    MITIGATE = "mitigate"
    POST_INCIDENT = "post-incident"


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Role(StrEnum):
    COMMANDER = "commander"
    COMMS = "comms"
    SCRIBE = "scribe"


class HowDetected(StrEnum):
    DASHBOARD_ALERT = "dashboard_alert"
    USER_REPORT = "user_report"
    INTERNAL_OBSERVATION = "internal_observation"

    @property
    def label(self) -> str:
        return {
            "dashboard_alert": "Dashboard alert",
            "user_report": "User report",
            "internal_observation": "Internal observation",
        }[self.value]


class Incident(BaseModel):
    """One incident as the domain sees it. `number` is the public id (#12), given by storage."""

    model_config = ConfigDict(from_attributes=True, validate_assignment=True)

    number: int | None = None
    title: str
    severity: Severity
    category: Category
    phase: str = Phase.TRIAGE.value
    status: Status = Status.OPEN
    runbook: str = "default"
    ai_feature: str | None = None
    how_detected: HowDetected | None = None
    description: str | None = None
    reporter_id: str | None = None
    commander_id: str | None = None
    comms_id: str | None = None
    scribe_id: str | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    card_ts: str | None = None
    declare_key: str | None = None
    last_update_text: str | None = None
    last_update_at: datetime | None = None
    regression_started_at: datetime | None = None
    first_alarm_at: datetime | None = None
    declared_at: datetime
    phase_started_at: datetime | None = None
    mitigated_at: datetime | None = None
    closed_at: datetime | None = None
    # A private incident lives in a private channel, is not announced, and only the members
    # of its channel see it in lists.
    private: bool = False

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN

    def role_holder(self, role: Role) -> str | None:
        return {
            Role.COMMANDER: self.commander_id,
            Role.COMMS: self.comms_id,
            Role.SCRIBE: self.scribe_id,
        }[role]

    def assign_role(self, role: Role, user_id: str) -> None:
        setattr(self, f"{role.value}_id", user_id)


class DeclareInput(BaseModel):
    """What a responder (or automation) gives when declaring an incident. Checks that need the
    moment or the runbook catalogue read them from the validation context (`now`, `runbooks`:
    the names of the runbooks there are); without them, those checks are left to the caller."""

    title: str = Field(min_length=1, max_length=150)
    severity: Severity
    category: Category
    ai_feature: str | None = Field(default=None, max_length=150)
    how_detected: HowDetected | None = None
    regression_started_at: datetime | None = None
    description: str | None = Field(default=None, max_length=3000)
    runbook: str = "default"
    reporter_id: str | None = None
    # Same key, same incident: a double-clicked modal or a retried API call declares once.
    idempotency_key: str | None = None
    private: bool = False
    # Where it was declared from (a channel other than the incident's): told there once the
    # incident's channel exists.
    origin_channel_id: str | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _titled(cls, value: object) -> object:
        text = clean(value)
        if text is None or len(text) > 150:
            raise problem("Give the incident a title (at most 150 characters).")
        return text

    @field_validator("severity", "category", mode="before")
    @classmethod
    def _chosen(cls, value: object, info: ValidationInfo) -> object:
        if clean(value) is None:
            raise problem(f"Choose a {info.field_name}.")
        return value

    @field_validator("regression_started_at")
    @classmethod
    def _started_not_future(cls, started: datetime | None, info: ValidationInfo) -> datetime | None:
        now = context(info, "now")
        if started is not None and now is not None and utc(started) > utc(now) + CLOCK_SKEW:
            raise problem("The regression cannot start in the future.")
        return started

    @field_validator("runbook")
    @classmethod
    def _known_runbook(cls, runbook: str, info: ValidationInfo) -> str:
        runbooks = context(info, "runbooks")
        if runbooks is not None and runbook not in runbooks:
            raise problem("That runbook no longer exists; pick another.")
        return runbook


_SLUG_ALLOWED = re.compile(r"[^a-z0-9]+")
CHANNEL_NAME_MAX = 80


def slugify(text: str, *, max_length: int = 40) -> str:
    """Lowercase ASCII words joined by '-', safe for a Slack channel name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG_ALLOWED.sub("-", ascii_text.lower()).strip("-")
    if len(slug) <= max_length:
        return slug
    # A name cut mid-word ("…-alias-bum") reads as a typo; drop the partial word instead,
    # unless the first word alone is longer than the room (then a cut word beats nothing).
    cut = slug[: max_length + 1]
    boundary = cut.rfind("-")
    if boundary > 0:
        return cut[:boundary].rstrip("-")
    return slug[:max_length].rstrip("-")


def channel_name(prefix: str, number: int, title: str, *, suffix: int | None = None) -> str:
    """`<prefix>-<number>-<slug>[-<suffix>]`, within Slack's 80-character, a-z0-9-_ rule."""
    base = f"{slugify(prefix, max_length=20) or 'aiinc'}-{number}"
    tail = f"-{suffix}" if suffix else ""
    room = CHANNEL_NAME_MAX - len(base) - len(tail) - 1
    slug = slugify(title, max_length=max(room, 0))
    name = f"{base}-{slug}" if slug else base
    return f"{name}{tail}"
