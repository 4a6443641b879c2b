"""What responders record while an incident runs: detection, scope, root cause, actions.

These models are the postmortem's raw material. The postmortem is compiled from them at close,
never written on a blank page, so each one holds exactly what a section of the seed's template
asks for. Derived numbers (time-to-detect, a slice's delta) are computed here and never typed,
because a typed number drifts from the facts it summarises.

The models accept what storage hands back (`from_attributes`) and normalise every datetime to
UTC: SQLite returns naive datetimes, and subtracting a naive one from an aware one would fail
in the middle of a close.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, computed_field

from bot.core.incidents.model import HowDetected
from bot.core.timeline import Axis


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already (how we store)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


def axis_label(axis: Axis) -> str:
    return axis.value.capitalize()


class WhyNotCaught(StrEnum):
    """The usual reasons an eval programme let a regression through (seed 000)."""

    EVAL_COVERAGE_GAP = "eval_coverage_gap"
    THRESHOLD_BAND = "threshold_band"
    CALIBRATION_DRIFT = "calibration_drift"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "eval_coverage_gap": "Eval coverage gap",
            "threshold_band": "Threshold band",
            "calibration_drift": "Calibration drift",
            "other": "Other",
        }[self.value]


class ContributingFactor(StrEnum):
    """DOMAIN.md's contributing-factor categories: conditions, never people."""

    OBSERVABILITY_GAP = "observability_gap"
    TESTING_GAP = "testing_gap"
    CHANGE_CONTROL_GAP = "change_control_gap"
    DEPENDENCY_FRAGILITY = "dependency_fragility"
    INCENTIVE_MISALIGNMENT = "incentive_misalignment"
    DATA_FRAGILITY = "data_fragility"

    @property
    def label(self) -> str:
        return {
            "observability_gap": "Observability gap",
            "testing_gap": "Testing gap",
            "change_control_gap": "Change-control gap",
            "dependency_fragility": "Dependency fragility",
            "incentive_misalignment": "Incentive misalignment",
            "data_fragility": "Data fragility",
        }[self.value]


class Layer(StrEnum):
    """The optional four-layer lens (DOMAIN.md), offered as a tag beside the axes."""

    MODEL = "model"
    DATA = "data"
    INTEGRATION = "integration"
    INFRASTRUCTURE = "infrastructure"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ActionCategory(StrEnum):
    """The remediation kinds of the seed, with calibration split out because it needs a record."""

    CODE = "code"
    EVAL_SET = "eval_set"
    GATE = "gate"
    CALIBRATION = "calibration"

    @property
    def label(self) -> str:
        return {
            "code": "Code",
            "eval_set": "Eval set",
            "gate": "Gates and thresholds",
            "calibration": "Calibration",
        }[self.value]


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class Detection(BaseModel):
    """How we learned, and how late. `what_we_missed` is the signal that should have fired."""

    model_config = ConfigDict(from_attributes=True)

    how: HowDetected | None = None
    signal: str | None = None
    signal_url: str | None = None
    regression_started_at: UtcDatetime | None = None
    first_alarm_at: UtcDatetime | None = None
    what_we_missed: str | None = None
    alarm_ignored_or_misrouted: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def time_to_detect(self) -> timedelta | None:
        """Regression start to first credible alarm; None until both are known."""
        if self.regression_started_at is None or self.first_alarm_at is None:
            return None
        return self.first_alarm_at - self.regression_started_at


class SliceImpact(BaseModel):
    """One row of the per-slice scorecard. The delta is derived so it can never disagree."""

    model_config = ConfigDict(from_attributes=True)

    id: int | None = None
    slice: str
    metric: str
    baseline: float
    incident_value: float
    users_affected: int | None = Field(default=None, ge=0)
    # A refusal rate on high-risk queries should stay high, an escalation rate low: the
    # direction decides whether a move is a regression.
    higher_is_better: bool = True

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delta(self) -> float:
        return self.incident_value - self.baseline

    @computed_field  # type: ignore[prop-decorator]
    @property
    def delta_pct(self) -> float | None:
        """Relative change in percent of the baseline; None when the baseline is zero."""
        if self.baseline == 0:
            return None
        return (self.incident_value - self.baseline) / abs(self.baseline) * 100

    @property
    def regressed(self) -> bool:
        return self.delta < 0 if self.higher_is_better else self.delta > 0


class AxisFinding(BaseModel):
    """One moved axis, tied to evidence in traces rather than memory."""

    model_config = ConfigDict(from_attributes=True)

    axis: Axis
    what_changed: str | None = None
    evidence_url: str | None = None


class RootCause(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    axes: list[AxisFinding] = Field(default_factory=list)
    # Two or three axes usually move at once; which moved first is the question that matters.
    first_axis: Axis | None = None
    why_not_caught: WhyNotCaught | None = None
    why_not_caught_text: str | None = None
    contributing_factors: list[ContributingFactor] = Field(default_factory=list)
    layer: Layer | None = None

    @property
    def chosen_axes(self) -> list[Axis]:
        return [finding.axis for finding in self.axes]


class CalibrationRecord(BaseModel):
    """Evidence that a judge agrees with humans: without it, "we calibrated" is a wish."""

    model_config = ConfigDict(from_attributes=True)

    labels: int = Field(ge=1)
    kappa: float = Field(ge=-1, le=1)
    tpr: float = Field(ge=0, le=1)
    tnr: float = Field(ge=0, le=1)
    judge_version: str = Field(min_length=1)


class ActionItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int | None = None
    category: ActionCategory
    title: str
    owner_id: str | None = None
    due: date | None = None
    status: ActionStatus = ActionStatus.OPEN
    artefact_url: str | None = None
    calibration: CalibrationRecord | None = None
    created_at: UtcDatetime
    done_at: UtcDatetime | None = None

    @property
    def is_live(self) -> bool:
        """Counts towards the remediation: a dropped item prevents nothing."""
        return self.status is not ActionStatus.DROPPED


class Resolution(BaseModel):
    """What the resolution modal records at close."""

    model_config = ConfigDict(from_attributes=True)

    summary: str
    mitigated_at: UtcDatetime | None = None
    exit_criteria_met: list[str] = Field(default_factory=list)
