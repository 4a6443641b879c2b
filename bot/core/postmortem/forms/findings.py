"""What the responders found, as input models: how we learned of the regression (detection),
which slices it hurt (scope rows), why it happened (root cause), and how it ended (resolution).

Per-axis fields of the root-cause form are `what_changed.<axis>` and `evidence_url.<axis>`
(see `what_changed_field`, `evidence_field`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from bot.core.forms import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    FormInput,
    choice,
    choice_of,
    choices,
    clean,
    context,
    not_future,
    number,
    problem,
    problems,
    text,
    url,
    utc,
    whole,
)
from bot.core.incidents.model import HowDetected
from bot.core.postmortem.analysis import (
    AxisFinding,
    ContributingFactor,
    Detection,
    Layer,
    Resolution,
    RootCause,
    SliceImpact,
    WhyNotCaught,
    axis_label,
)
from bot.core.timeline import Axis

MAX_SLICE_LABEL = 150


def what_changed_field(axis: Axis) -> str:
    return f"what_changed.{axis.value}"


def evidence_field(axis: Axis) -> str:
    return f"evidence_url.{axis.value}"


class DetectionInput(FormInput):
    """How we learned of the regression. Context: `now`."""

    how: Annotated[
        HowDetected, BeforeValidator(choice(HowDetected, label="how we learned", required=True))
    ]
    signal: Annotated[str | None, BeforeValidator(text("The signal"))]
    signal_url: Annotated[str | None, BeforeValidator(url("The signal's link"))]
    regression_started_at: datetime | None
    first_alarm_at: datetime | None
    what_we_missed: Annotated[
        str | None, BeforeValidator(text("What we missed", max_length=LONG_TEXT_MAX))
    ]
    alarm_ignored_or_misrouted: Annotated[
        str | None,
        BeforeValidator(text("The ignored or misrouted alarm", max_length=LONG_TEXT_MAX)),
    ]

    @field_validator("regression_started_at")
    @classmethod
    def _start_not_future(cls, moment: datetime | None, info: ValidationInfo) -> datetime | None:
        not_future(moment, context(info, "now"), label="The regression start")
        return moment

    @field_validator("first_alarm_at")
    @classmethod
    def _alarm_after_start(cls, moment: datetime | None, info: ValidationInfo) -> datetime | None:
        not_future(moment, context(info, "now"), label="The first alarm")
        started = info.data.get("regression_started_at")
        if moment is not None and started is not None and utc(moment) < utc(started):
            raise problem(
                "The first alarm can't come before the regression started; check both times."
            )
        return moment

    def detection(self) -> Detection:
        return Detection(**self.model_dump())


class SliceInput(FormInput):
    """One row of the scope table: a slice, its metric, and how far it moved."""

    slice: Annotated[
        str, BeforeValidator(text("The slice", required=True, max_length=MAX_SLICE_LABEL))
    ]
    metric: Annotated[
        str, BeforeValidator(text("The metric", required=True, max_length=MAX_SLICE_LABEL))
    ]
    baseline: Annotated[float, BeforeValidator(number("The baseline", required=True))]
    incident_value: Annotated[float, BeforeValidator(number("The incident value", required=True))]
    users_affected: Annotated[int | None, BeforeValidator(whole("Users affected", minimum=0))]
    higher_is_better: Annotated[bool, BeforeValidator(lambda value: value is not False)]

    def row(self, slice_id: int | None = None) -> SliceImpact:
        return SliceImpact(id=slice_id, **self.model_dump())


class RootCauseInput(FormInput):
    """Which axes moved (with what changed and the evidence for each), the one that moved
    first, why we did not catch it, and the conditions that let it happen."""

    axes: Annotated[list[Axis], BeforeValidator(choices(Axis, label="an axis"))]
    first_axis: Axis | None
    # Keyed by axis value ("model", "prompt", ...): one input pair per chosen axis.
    what_changed: dict[Axis, str]
    evidence_url: dict[Axis, str]
    why_not_caught: Annotated[
        WhyNotCaught,
        BeforeValidator(choice(WhyNotCaught, label="why we did not catch it", required=True)),
    ]
    why_not_caught_text: Annotated[
        str | None, BeforeValidator(text("The explanation", max_length=LONG_TEXT_MAX))
    ]
    contributing_factors: Annotated[
        list[ContributingFactor], BeforeValidator(choices(ContributingFactor, label="a factor"))
    ]
    layer: Annotated[Layer | None, BeforeValidator(choice(Layer, label="a layer"))]

    @field_validator("axes")
    @classmethod
    def _some_axis(cls, axes: list[Axis]) -> list[Axis]:
        if not axes:
            raise problem(
                "Choose at least one axis (model, prompt, judge, data, environment). "
                "'The model got worse' leaves no path to prevention."
            )
        return axes

    @field_validator("first_axis", mode="before")
    @classmethod
    def _first_among_axes(cls, value: object, info: ValidationInfo) -> Axis | None:
        first = choice_of(Axis, value, label="the axis that moved first")
        axes: list[Axis] = info.data.get("axes") or []
        if first is None and len(axes) == 1:
            return axes[0]  # with one axis there is nothing to choose
        if first is None and len(axes) > 1:
            raise problem("Choose which of the chosen axes moved first.")
        if first is not None and axes and first not in axes:
            chosen = ", ".join(axis_label(a) for a in axes)
            raise problem(
                f"{axis_label(first)} is not among the chosen axes ({chosen}). "
                "Pick one of those, or add it to the axes."
            )
        return first

    @field_validator("what_changed", mode="before")
    @classmethod
    def _each_axis_says_what_changed(cls, value: object, info: ValidationInfo) -> dict[Axis, str]:
        return _per_axis(
            value,
            info,
            lambda axis: text(
                f"What changed on {axis_label(axis)}", required=True, max_length=LONG_TEXT_MAX
            ),
        )

    @field_validator("evidence_url", mode="before")
    @classmethod
    def _each_axis_has_evidence(cls, value: object, info: ValidationInfo) -> dict[Axis, str]:
        return _per_axis(
            value, info, lambda axis: url(f"Evidence for {axis_label(axis)}", required=True)
        )

    @field_validator("why_not_caught_text")
    @classmethod
    def _other_is_explained(cls, explanation: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("why_not_caught") is WhyNotCaught.OTHER and explanation is None:
            raise problem("You chose 'other': say why we did not catch it.")
        return explanation

    def root_cause(self) -> RootCause:
        findings = [
            AxisFinding(
                axis=axis,
                what_changed=self.what_changed[axis],
                evidence_url=self.evidence_url[axis],
            )
            for axis in self.axes
        ]
        return RootCause(
            axes=findings,
            first_axis=self.first_axis,
            why_not_caught=self.why_not_caught,
            why_not_caught_text=self.why_not_caught_text,
            contributing_factors=self.contributing_factors,
            layer=self.layer,
        )


def _per_axis(value: object, info: ValidationInfo, check_for: Any) -> dict[Axis, str]:
    """One checked value per chosen axis; each problem under `<field>.<axis>`."""
    typed: Mapping[str, object] = value if isinstance(value, Mapping) else {}
    checked: dict[Axis, str] = {}
    errors: dict[str, str] = {}
    for axis in info.data.get("axes") or []:
        try:
            checked[axis] = check_for(axis)(typed.get(axis.value))
        except PydanticCustomError as rejection:
            errors[axis.value] = rejection.message()
    if errors:
        raise problems(errors, title=str(info.field_name))
    return checked


class ResolutionInput(FormInput):
    """How the incident ended. Context: `now`, and `regression_started_at` when known."""

    summary: Annotated[
        str, BeforeValidator(text("The summary", required=True, max_length=LONG_TEXT_MAX))
    ]
    mitigated_at: datetime | None
    exit_criteria_met: list[str]

    @field_validator("mitigated_at")
    @classmethod
    def _plausible_mitigation(
        cls, moment: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        not_future(moment, context(info, "now"), label="The mitigation time")
        started: datetime | None = context(info, "regression_started_at")
        if moment is not None and started is not None and utc(moment) < utc(started):
            raise problem("The mitigation time is before the regression started; check the date.")
        return moment

    @field_validator("exit_criteria_met", mode="before")
    @classmethod
    def _short_criteria(cls, value: object) -> list[str]:
        criteria = (
            [c for c in (clean(v) for v in value or ()) if c]
            if isinstance(value, list | tuple)
            else []
        )
        if any(len(c) > SHORT_TEXT_MAX for c in criteria):
            raise problem(f"Keep each exit criterion under {SHORT_TEXT_MAX} characters.")
        return criteria

    def resolution(self) -> Resolution:
        return Resolution(
            summary=self.summary,
            mitigated_at=self.mitigated_at,
            exit_criteria_met=self.exit_criteria_met,
        )
