"""The postmortem's forms as input models: what a responder types, checked once, in the core.

Each model takes the raw values a Slack modal or a JSON body carries (strings, selected option
values, picked dates) and either passes, giving the domain record, or fails with every problem
as `{field: message}` (see bot.core.forms). Per-axis fields of the root-cause form are
`what_changed.<axis>` and `evidence_url.<axis>` (see `what_changed_field`, `evidence_field`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.core.forms import (
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    FormInput,
    FormInvalid,
    calendar_date,
    choice,
    choice_of,
    choices,
    clean,
    context,
    given,
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
    ActionCategory,
    ActionItem,
    ActionStatus,
    AxisFinding,
    CalibrationRecord,
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
# The furthest west time zone: "today" for a due date is the earliest calendar date anywhere,
# so nobody is told their today is in the past.
_EARLIEST_OFFSET = timedelta(hours=12)


def earliest_today(now: datetime) -> date:
    return (now - _EARLIEST_OFFSET).date()


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


# --- action items ------------------------------------------------------------------------------

_RECORD_FIELDS = {
    "labels": "the number of labels",
    "kappa": "Cohen's kappa",
    "tpr": "the TPR",
    "tnr": "the TNR",
    "judge_version": "the judge version",
}


_RECORD_MISSING = "A calibration item is done only with its record: fill in {what}."


def _rate(label: str) -> Any:
    as_number = number(label)

    def check(value: object) -> float | None:
        rate = as_number(value)
        if rate is not None and not 0 <= rate <= 1:
            hint = f" (e.g. {rate / 100:g} for {rate:g}%)" if 1 < rate <= 100 else ""
            raise problem(f"{label} is a fraction between 0 and 1{hint}.")
        return rate

    return check


def _kappa(value: object) -> float | None:
    kappa = number("Cohen's kappa")(value)
    if kappa is not None and not -1 <= kappa <= 1:
        raise problem("Cohen's kappa lies between -1 and 1.")
    return kappa


class _CalibrationFields(FormInput):
    """A calibration record typed into a form: all five values, or none of them."""

    labels: Annotated[int | None, BeforeValidator(whole("Labels", minimum=1))]
    kappa: Annotated[float | None, BeforeValidator(_kappa)]
    tpr: Annotated[float | None, BeforeValidator(_rate("TPR"))]
    tnr: Annotated[float | None, BeforeValidator(_rate("TNR"))]
    judge_version: Annotated[str | None, BeforeValidator(text("The judge version"))]

    def record(self) -> CalibrationRecord | None:
        if self.labels is None or self.kappa is None or self.tpr is None or self.tnr is None:
            return None
        if self.judge_version is None:
            return None
        return CalibrationRecord(
            labels=self.labels,
            kappa=self.kappa,
            tpr=self.tpr,
            tnr=self.tnr,
            judge_version=self.judge_version,
        )


def _whole_record(
    data: Any, handler: ModelWrapValidatorHandler[Any], *, wanted: bool, required: bool
) -> Any:
    """Run the field checks, then refuse a half-filled record (or a missing required one)
    in the same answer: a half-filled record is an error, not a guess."""
    raw: Mapping[str, object] = data if isinstance(data, Mapping) else {}
    missing: dict[str, str] = {}
    filled = [name for name in _RECORD_FIELDS if given(raw.get(name))]
    if wanted and (filled or required):
        reason = (
            _RECORD_MISSING
            if required
            else "Fill in the whole calibration record ({what} is missing) "
            "or leave all of it empty."
        )
        missing = {
            name: reason.format(what=what)
            for name, what in _RECORD_FIELDS.items()
            if name not in filled
        }
    try:
        model = handler(data)
    except ValidationError as exc:
        if not missing:
            raise
        errors = {
            ".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.errors(include_url=False)
        }
        raise problems(missing | errors, title=exc.title) from None
    if missing:
        raise problems(missing, title=type(model).__name__)
    return model


class ActionItemInput(_CalibrationFields):
    """A new action item, or an edit of one. Context: `now`, and for
    an edit `original_due` (a due date that has passed since may be kept) and `status` (a
    done item keeps needing its artefact)."""

    category: Annotated[
        ActionCategory, BeforeValidator(choice(ActionCategory, label="a category", required=True))
    ]
    title: Annotated[str, BeforeValidator(text("The action", required=True))]
    owner_id: Annotated[str | None, BeforeValidator(clean)]
    due: Annotated[date | None, BeforeValidator(calendar_date)]
    artefact_url: Annotated[str | None, BeforeValidator(url("The artefact"))]

    @model_validator(mode="wrap")
    @classmethod
    def _record(
        cls, data: Any, handler: ModelWrapValidatorHandler[ActionItemInput], info: ValidationInfo
    ) -> ActionItemInput:
        raw = data if isinstance(data, Mapping) else {}
        calibration = clean(raw.get("category")) == ActionCategory.CALIBRATION.value
        done = context(info, "status") == ActionStatus.DONE.value
        model: ActionItemInput = _whole_record(data, handler, wanted=calibration, required=done)
        return model

    @field_validator("due")
    @classmethod
    def _due_not_past(cls, due: date | None, info: ValidationInfo) -> date | None:
        now: datetime | None = context(info, "now")
        today = earliest_today(now) if now is not None else None
        kept = due == context(info, "original_due")
        if due is not None and today is not None and due < today and not kept:
            raise problem(f"The due date {due.isoformat()} is in the past; pick today or later.")
        return due

    @field_validator("artefact_url")
    @classmethod
    def _done_has_artefact(cls, artefact: str | None, info: ValidationInfo) -> str | None:
        if artefact is None and context(info, "status") == ActionStatus.DONE.value:
            raise problem(_NO_ARTEFACT)
        return artefact

    def new_item(self, *, now: datetime) -> ActionItem:
        return ActionItem(
            category=self.category,
            title=self.title,
            owner_id=self.owner_id,
            due=self.due,
            artefact_url=self.artefact_url,
            calibration=self._calibration_for(self.category),
            created_at=now,
        )

    def edited(self, item: ActionItem) -> ActionItem:
        """The item with the form's values; done and dropped are their own steps, so an edit
        keeps the status and the done time."""
        return item.model_copy(
            update={
                "category": self.category,
                "title": self.title,
                "owner_id": self.owner_id,
                "due": self.due,
                "artefact_url": self.artefact_url,
                "calibration": self._calibration_for(self.category),
            }
        )

    def _calibration_for(self, category: ActionCategory) -> CalibrationRecord | None:
        return self.record() if category is ActionCategory.CALIBRATION else None


_NO_ARTEFACT = (
    "An item is done only with an artefact: link the PR, dataset diff or calibration record."
)


class CompletionInput(_CalibrationFields):
    """Marking an item done: the artefact, and for a calibration item its record. Context:
    `category` of the item and `has_record` (a record already on it is enough)."""

    artefact_url: Annotated[
        str, BeforeValidator(url("The artefact", required=True, missing=_NO_ARTEFACT))
    ]

    @model_validator(mode="wrap")
    @classmethod
    def _record(
        cls, data: Any, handler: ModelWrapValidatorHandler[CompletionInput], info: ValidationInfo
    ) -> CompletionInput:
        calibration = context(info, "category") == ActionCategory.CALIBRATION.value
        required = not context(info, "has_record")
        model: CompletionInput = _whole_record(data, handler, wanted=calibration, required=required)
        return model

    def done(self, item: ActionItem, *, now: datetime) -> ActionItem:
        """The item done; the first completion time is kept across edits, since it is when the
        artefact landed, and a record already on the item is kept unless this one gives one."""
        record = self.record() or item.calibration
        if item.category is ActionCategory.CALIBRATION and record is None:
            raise FormInvalid({"labels": _RECORD_MISSING.format(what=_RECORD_FIELDS["labels"])})
        return item.model_copy(
            update={
                "status": ActionStatus.DONE,
                "artefact_url": self.artefact_url,
                "calibration": record if item.category is ActionCategory.CALIBRATION else None,
                "done_at": item.done_at if item.status is ActionStatus.DONE else now,
            }
        )


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
