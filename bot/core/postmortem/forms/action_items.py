"""What the team will do about it, as input models: an action item (new or edited) and its
completion, with the calibration record a calibration item is done only with.

A calibration record is all five values (labels, kappa, TPR, TNR, judge version) or none:
a half-filled one is refused field by field, not guessed at.
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

from bot.core.forms import (
    FormInput,
    FormInvalid,
    calendar_date,
    choice,
    clean,
    context,
    given,
    number,
    problem,
    problems,
    text,
    url,
    whole,
)
from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    ActionStatus,
    CalibrationRecord,
)

# The furthest west time zone: "today" for a due date is the earliest calendar date anywhere,
# so nobody is told their today is in the past.
_EARLIEST_OFFSET = timedelta(hours=12)


def earliest_today(now: datetime) -> date:
    return (now - _EARLIEST_OFFSET).date()


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
