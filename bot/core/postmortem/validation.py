"""Field-by-field checks for the analysis forms, in words a responder can act on.

Each form arrives as raw values (what a Slack modal or a JSON body carries: strings, selected
option values, picked dates) and leaves either as a domain model or as `{field: message}`.
Nothing is stored unless the errors are empty, and every problem is reported at once, so a
responder fixes the whole form in one pass instead of discovering errors one submit at a time.

Field names are stable strings: the Slack layer maps them onto block ids, the REST API puts
them in its 4xx bodies. Per-axis fields of the root-cause form are `what_changed.<axis>` and
`evidence_url.<axis>` (see `what_changed_field`, `evidence_field`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar
from urllib.parse import urlsplit

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
    as_utc,
    axis_label,
)
from bot.core.timeline import Axis

Errors = dict[str, str]
T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)
RawNumber = str | int | float | None

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 3000  # Slack's cap on a plain-text input
URL_MAX = 2000
MAX_SLICE_LABEL = 150
# Clocks disagree a little between a laptop, Slack and the server; a minute or two "in the
# future" is skew, not a mistake worth bouncing a form for.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A form's outcome: the model when `errors` is empty, otherwise None and the reasons."""

    value: T | None
    errors: Errors

    @property
    def ok(self) -> bool:
        return not self.errors


class DetectionField(StrEnum):
    HOW = "how"
    SIGNAL = "signal"
    SIGNAL_URL = "signal_url"
    REGRESSION_STARTED_AT = "regression_started_at"
    FIRST_ALARM_AT = "first_alarm_at"
    WHAT_WE_MISSED = "what_we_missed"
    ALARM_IGNORED_OR_MISROUTED = "alarm_ignored_or_misrouted"


class SliceField(StrEnum):
    SLICE = "slice"
    METRIC = "metric"
    BASELINE = "baseline"
    INCIDENT_VALUE = "incident_value"
    USERS_AFFECTED = "users_affected"


class RootCauseField(StrEnum):
    AXES = "axes"
    FIRST_AXIS = "first_axis"
    WHY_NOT_CAUGHT = "why_not_caught"
    WHY_NOT_CAUGHT_TEXT = "why_not_caught_text"
    CONTRIBUTING_FACTORS = "contributing_factors"
    LAYER = "layer"


class ActionField(StrEnum):
    CATEGORY = "category"
    TITLE = "title"
    OWNER_ID = "owner_id"
    DUE = "due"
    STATUS = "status"
    ARTEFACT_URL = "artefact_url"
    LABELS = "labels"
    KAPPA = "kappa"
    TPR = "tpr"
    TNR = "tnr"
    JUDGE_VERSION = "judge_version"


class ResolutionField(StrEnum):
    SUMMARY = "summary"
    MITIGATED_AT = "mitigated_at"
    EXIT_CRITERIA_MET = "exit_criteria_met"


def what_changed_field(axis: Axis) -> str:
    return f"what_changed.{axis.value}"


def evidence_field(axis: Axis) -> str:
    return f"evidence_url.{axis.value}"


# --- raw forms -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectionForm:
    how: str | None = None
    signal: str | None = None
    signal_url: str | None = None
    regression_started_at: datetime | None = None
    first_alarm_at: datetime | None = None
    what_we_missed: str | None = None
    alarm_ignored_or_misrouted: str | None = None


@dataclass(frozen=True)
class SliceForm:
    slice: str | None = None
    metric: str | None = None
    baseline: RawNumber = None
    incident_value: RawNumber = None
    users_affected: RawNumber = None
    higher_is_better: bool = True


@dataclass(frozen=True)
class RootCauseForm:
    axes: Sequence[str] = ()
    first_axis: str | None = None
    # Keyed by axis value ("model", "prompt", ...): one input pair per chosen axis.
    what_changed: Mapping[str, str | None] = field(default_factory=dict)
    evidence_url: Mapping[str, str | None] = field(default_factory=dict)
    why_not_caught: str | None = None
    why_not_caught_text: str | None = None
    contributing_factors: Sequence[str] = ()
    layer: str | None = None


@dataclass(frozen=True)
class ActionItemForm:
    category: str | None = None
    title: str | None = None
    owner_id: str | None = None
    due: date | str | None = None
    status: str | None = None
    artefact_url: str | None = None
    labels: RawNumber = None
    kappa: RawNumber = None
    tpr: RawNumber = None
    tnr: RawNumber = None
    judge_version: str | None = None


@dataclass(frozen=True)
class ResolutionForm:
    summary: str | None = None
    mitigated_at: datetime | None = None
    exit_criteria_met: Sequence[str] = ()


# --- single-value checks ---------------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _text(
    errors: Errors,
    name: str,
    value: str | None,
    *,
    label: str,
    required: bool = False,
    max_length: int = SHORT_TEXT_MAX,
) -> str | None:
    text = _clean(value)
    if text is None:
        if required:
            errors[name] = f"{label} is required."
        return None
    if len(text) > max_length:
        errors[name] = f"{label} is {len(text)} characters long; keep it under {max_length}."
        return None
    return text


def url_problem(value: str) -> str | None:
    """Why `value` is not a link a reader can follow, or None when it is one."""
    if len(value) > URL_MAX:
        return f"That link is {len(value)} characters long; keep it under {URL_MAX}."
    if any(ch.isspace() for ch in value):
        return "A link can't contain spaces. Paste the full address, e.g. https://example.com/x."
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return "That isn't a valid link. Paste the full address, e.g. https://example.com/x."
    if parts.scheme.lower() not in ("http", "https"):
        return "Use a full link starting with http:// or https://, e.g. https://example.com/x."
    if not host:
        return "That link has no host name. Paste the full address, e.g. https://example.com/x."
    return None


def _url(
    errors: Errors, name: str, value: str | None, *, label: str, required: bool = False
) -> str | None:
    text = _clean(value)
    if text is None:
        if required:
            errors[name] = f"{label} is required: link a trace, commit, config or notice."
        return None
    problem = url_problem(text)
    if problem:
        errors[name] = problem
        return None
    return text


def _choice(
    errors: Errors,
    name: str,
    value: str | None,
    enum: type[E],
    *,
    label: str,
    required: bool = False,
) -> E | None:
    text = _clean(value)
    if text is None:
        if required:
            errors[name] = f"Choose {label}."
        return None
    try:
        return enum(text)
    except ValueError:
        options = ", ".join(member.value for member in enum)
        errors[name] = f"'{text[:40]}' is not one of: {options}."
        return None


_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WHOLE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def _number(
    errors: Errors, name: str, value: RawNumber, *, label: str, required: bool = False
) -> float | None:
    """A decimal as typed in a form; a trailing % is allowed and ignored (same unit kept)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = f"{label} is required: enter a number, e.g. 0.92 or 95."
        return None
    if isinstance(value, bool):
        errors[name] = f"{label} must be a number, e.g. 0.92 or 95."
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = value.strip().removesuffix("%").strip()
        if not _DECIMAL.fullmatch(text):
            errors[name] = (
                f"{label} must be a number such as 0.92 or 95 (use a dot for decimals); "
                f"got '{value.strip()[:40]}'."
            )
            return None
        number = float(text)
    if not math.isfinite(number):
        errors[name] = f"{label} must be a finite number."
        return None
    return number


def _whole(errors: Errors, name: str, value: RawNumber, *, label: str, minimum: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors[name] = f"{label} must be a whole number."
        return None
    if isinstance(value, float):
        if not value.is_integer():
            errors[name] = f"{label} must be a whole number, e.g. 850."
            return None
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = value.strip()
        if not _WHOLE.fullmatch(text):
            errors[name] = (
                f"{label} must be a whole number such as 850 (an estimate is fine); "
                f"got '{text[:40]}'."
            )
            return None
        number = int(text.replace(",", ""))
    if number < minimum:
        errors[name] = f"{label} must be at least {minimum}."
        return None
    return number


def _not_future(
    errors: Errors, name: str, moment: datetime | None, *, label: str, now: datetime
) -> None:
    if moment is not None and as_utc(moment) > as_utc(now) + CLOCK_SKEW:
        errors[name] = f"{label} can't be in the future."


def _date(errors: Errors, name: str, value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"Enter the due date as YYYY-MM-DD; got '{text[:40]}'."
        return None


# --- forms -----------------------------------------------------------------------------------


def parse_detection(form: DetectionForm, *, now: datetime) -> Parsed[Detection]:
    errors: Errors = {}
    how = _choice(
        errors, DetectionField.HOW, form.how, HowDetected, label="how we learned", required=True
    )
    signal = _text(errors, DetectionField.SIGNAL, form.signal, label="The signal")
    signal_url = _url(errors, DetectionField.SIGNAL_URL, form.signal_url, label="The signal's link")
    missed = _text(
        errors,
        DetectionField.WHAT_WE_MISSED,
        form.what_we_missed,
        label="What we missed",
        max_length=LONG_TEXT_MAX,
    )
    ignored = _text(
        errors,
        DetectionField.ALARM_IGNORED_OR_MISROUTED,
        form.alarm_ignored_or_misrouted,
        label="The ignored or misrouted alarm",
        max_length=LONG_TEXT_MAX,
    )
    started, alarm = form.regression_started_at, form.first_alarm_at
    _not_future(
        errors, DetectionField.REGRESSION_STARTED_AT, started, label="The regression start", now=now
    )
    _not_future(errors, DetectionField.FIRST_ALARM_AT, alarm, label="The first alarm", now=now)
    if started is not None and alarm is not None and as_utc(alarm) < as_utc(started):
        errors.setdefault(
            DetectionField.FIRST_ALARM_AT,
            "The first alarm can't come before the regression started; check both times.",
        )
    if errors:
        return Parsed(None, errors)
    detection = Detection(
        how=how,
        signal=signal,
        signal_url=signal_url,
        regression_started_at=started,
        first_alarm_at=alarm,
        what_we_missed=missed,
        alarm_ignored_or_misrouted=ignored,
    )
    return Parsed(detection, {})


def validate_detection(form: DetectionForm, *, now: datetime) -> Errors:
    return parse_detection(form, now=now).errors


def parse_slice(form: SliceForm, *, slice_id: int | None = None) -> Parsed[SliceImpact]:
    errors: Errors = {}
    name = _text(
        errors,
        SliceField.SLICE,
        form.slice,
        label="The slice",
        required=True,
        max_length=MAX_SLICE_LABEL,
    )
    metric = _text(
        errors,
        SliceField.METRIC,
        form.metric,
        label="The metric",
        required=True,
        max_length=MAX_SLICE_LABEL,
    )
    baseline = _number(
        errors, SliceField.BASELINE, form.baseline, label="The baseline", required=True
    )
    incident_value = _number(
        errors,
        SliceField.INCIDENT_VALUE,
        form.incident_value,
        label="The incident value",
        required=True,
    )
    users = _whole(
        errors, SliceField.USERS_AFFECTED, form.users_affected, label="Users affected", minimum=0
    )
    if errors or name is None or metric is None or baseline is None or incident_value is None:
        return Parsed(None, errors)
    row = SliceImpact(
        id=slice_id,
        slice=name,
        metric=metric,
        baseline=baseline,
        incident_value=incident_value,
        users_affected=users,
        higher_is_better=form.higher_is_better,
    )
    return Parsed(row, {})


def validate_slice(form: SliceForm) -> Errors:
    return parse_slice(form).errors


def parse_root_cause(form: RootCauseForm) -> Parsed[RootCause]:
    errors: Errors = {}
    axes: list[Axis] = []
    for raw in form.axes:
        axis = _choice(errors, RootCauseField.AXES, raw, Axis, label="an axis")
        if axis is not None and axis not in axes:
            axes.append(axis)
    if not axes and RootCauseField.AXES not in errors:
        errors[RootCauseField.AXES] = (
            "Choose at least one axis (model, prompt, judge, data, environment). "
            "'The model got worse' leaves no path to prevention."
        )
    first = _choice(
        errors, RootCauseField.FIRST_AXIS, form.first_axis, Axis, label="the axis that moved first"
    )
    if first is None and len(axes) == 1 and RootCauseField.FIRST_AXIS not in errors:
        first = axes[0]  # with one axis there is nothing to choose
    elif first is None and len(axes) > 1 and RootCauseField.FIRST_AXIS not in errors:
        errors[RootCauseField.FIRST_AXIS] = "Choose which of the chosen axes moved first."
    elif first is not None and axes and first not in axes:
        chosen = ", ".join(axis_label(a) for a in axes)
        errors[RootCauseField.FIRST_AXIS] = (
            f"{axis_label(first)} is not among the chosen axes ({chosen}). "
            "Pick one of those, or add it to the axes."
        )
    findings: list[AxisFinding] = []
    for axis in axes:
        what = _text(
            errors,
            what_changed_field(axis),
            form.what_changed.get(axis.value),
            label=f"What changed on {axis_label(axis)}",
            required=True,
            max_length=LONG_TEXT_MAX,
        )
        evidence = _url(
            errors,
            evidence_field(axis),
            form.evidence_url.get(axis.value),
            label=f"Evidence for {axis_label(axis)}",
            required=True,
        )
        findings.append(AxisFinding(axis=axis, what_changed=what, evidence_url=evidence))
    why = _choice(
        errors,
        RootCauseField.WHY_NOT_CAUGHT,
        form.why_not_caught,
        WhyNotCaught,
        label="why we did not catch it",
        required=True,
    )
    why_text = _text(
        errors,
        RootCauseField.WHY_NOT_CAUGHT_TEXT,
        form.why_not_caught_text,
        label="The explanation",
        max_length=LONG_TEXT_MAX,
    )
    if (
        why is WhyNotCaught.OTHER
        and why_text is None
        and RootCauseField.WHY_NOT_CAUGHT_TEXT not in errors
    ):
        errors[RootCauseField.WHY_NOT_CAUGHT_TEXT] = (
            "You chose 'other': say why we did not catch it."
        )
    factors: list[ContributingFactor] = []
    for raw in form.contributing_factors:
        factor = _choice(
            errors, RootCauseField.CONTRIBUTING_FACTORS, raw, ContributingFactor, label="a factor"
        )
        if factor is not None and factor not in factors:
            factors.append(factor)
    layer = _choice(errors, RootCauseField.LAYER, form.layer, Layer, label="a layer")
    if errors:
        return Parsed(None, errors)
    root_cause = RootCause(
        axes=findings,
        first_axis=first,
        why_not_caught=why,
        why_not_caught_text=why_text,
        contributing_factors=factors,
        layer=layer,
    )
    return Parsed(root_cause, {})


def validate_root_cause(form: RootCauseForm) -> Errors:
    return parse_root_cause(form).errors


_RECORD_FIELDS = (
    ActionField.LABELS,
    ActionField.KAPPA,
    ActionField.TPR,
    ActionField.TNR,
    ActionField.JUDGE_VERSION,
)


def _rate(errors: Errors, name: str, value: RawNumber, *, label: str) -> float | None:
    rate = _number(errors, name, value, label=label)
    if rate is None:
        return None
    if not 0 <= rate <= 1:
        hint = f" (e.g. {rate / 100:g} for {rate:g}%)" if 1 < rate <= 100 else ""
        errors[name] = f"{label} is a fraction between 0 and 1{hint}."
        return None
    return rate


def _calibration(
    errors: Errors, form: ActionItemForm, *, required: bool
) -> CalibrationRecord | None:
    """The record, when the form carries one; a half-filled record is an error, not a guess."""
    raw = {
        ActionField.LABELS: form.labels,
        ActionField.KAPPA: form.kappa,
        ActionField.TPR: form.tpr,
        ActionField.TNR: form.tnr,
        ActionField.JUDGE_VERSION: form.judge_version,
    }
    given = [name for name, value in raw.items() if value is not None and str(value).strip()]
    if not given and not required:
        return None
    labels = _whole(errors, ActionField.LABELS, form.labels, label="Labels", minimum=1)
    kappa = _number(errors, ActionField.KAPPA, form.kappa, label="Cohen's kappa")
    if kappa is not None and not -1 <= kappa <= 1:
        errors[ActionField.KAPPA] = "Cohen's kappa lies between -1 and 1."
        kappa = None
    tpr = _rate(errors, ActionField.TPR, form.tpr, label="TPR")
    tnr = _rate(errors, ActionField.TNR, form.tnr, label="TNR")
    judge = _text(errors, ActionField.JUDGE_VERSION, form.judge_version, label="The judge version")
    missing_reason = (
        "A calibration item is done only with its record: fill in {what}."
        if required
        else "Fill in the whole calibration record ({what} is missing) or leave all of it empty."
    )
    names = {
        ActionField.LABELS: "the number of labels",
        ActionField.KAPPA: "Cohen's kappa",
        ActionField.TPR: "the TPR",
        ActionField.TNR: "the TNR",
        ActionField.JUDGE_VERSION: "the judge version",
    }
    for name in _RECORD_FIELDS:
        if name not in given and name not in errors:
            errors[name] = missing_reason.format(what=names[name])
    if labels is None or kappa is None or tpr is None or tnr is None or judge is None:
        return None
    return CalibrationRecord(labels=labels, kappa=kappa, tpr=tpr, tnr=tnr, judge_version=judge)


def parse_action_item(
    form: ActionItemForm,
    *,
    now: datetime,
    today: date | None = None,
    existing: ActionItem | None = None,
) -> Parsed[ActionItem]:
    """An action item from its form. `today` is the responder's date (their time zone); an
    edit that keeps an already-past due date is allowed, since the past can't be undone."""
    errors: Errors = {}
    today = today or as_utc(now).date()
    category = _choice(
        errors,
        ActionField.CATEGORY,
        form.category,
        ActionCategory,
        label="a category",
        required=True,
    )
    title = _text(errors, ActionField.TITLE, form.title, label="The action", required=True)
    owner = _clean(form.owner_id)
    due = _date(errors, ActionField.DUE, form.due)
    unchanged_due = existing is not None and existing.due == due
    if due is not None and due < today and not unchanged_due:
        errors[ActionField.DUE] = (
            f"The due date {due.isoformat()} is in the past; pick today or later."
        )
    status = (
        _choice(errors, ActionField.STATUS, form.status, ActionStatus, label="a status")
        or ActionStatus.OPEN
    )
    artefact = _url(errors, ActionField.ARTEFACT_URL, form.artefact_url, label="The artefact")
    done = status is ActionStatus.DONE
    if done and artefact is None and ActionField.ARTEFACT_URL not in errors:
        errors[ActionField.ARTEFACT_URL] = (
            "An item is done only with an artefact: "
            "link the PR, dataset diff or calibration record."
        )
    calibration = None
    if category is ActionCategory.CALIBRATION:
        calibration = _calibration(errors, form, required=done)
    if errors or category is None or title is None:
        return Parsed(None, errors)
    # Keep the first completion time across edits: it is when the artefact landed.
    done_at: datetime | None = None
    if done:
        previous = existing.done_at if existing and existing.status is ActionStatus.DONE else None
        done_at = previous or now
    item = ActionItem(
        id=existing.id if existing else None,
        category=category,
        title=title,
        owner_id=owner,
        due=due,
        status=status,
        artefact_url=artefact,
        calibration=calibration,
        created_at=existing.created_at if existing else now,
        done_at=done_at,
    )
    return Parsed(item, {})


def validate_action_item(
    form: ActionItemForm,
    *,
    now: datetime,
    today: date | None = None,
    existing: ActionItem | None = None,
) -> Errors:
    return parse_action_item(form, now=now, today=today, existing=existing).errors


def parse_resolution(
    form: ResolutionForm, *, now: datetime, regression_started_at: datetime | None = None
) -> Parsed[Resolution]:
    errors: Errors = {}
    summary = _text(
        errors,
        ResolutionField.SUMMARY,
        form.summary,
        label="The summary",
        required=True,
        max_length=LONG_TEXT_MAX,
    )
    mitigated = form.mitigated_at
    _not_future(
        errors, ResolutionField.MITIGATED_AT, mitigated, label="The mitigation time", now=now
    )
    if (
        mitigated is not None
        and regression_started_at is not None
        and as_utc(mitigated) < as_utc(regression_started_at)
        and ResolutionField.MITIGATED_AT not in errors
    ):
        errors[ResolutionField.MITIGATED_AT] = (
            "The mitigation time is before the regression started; check the date."
        )
    criteria = [text for text in (_clean(c) for c in form.exit_criteria_met) if text]
    if any(len(text) > SHORT_TEXT_MAX for text in criteria):
        errors[ResolutionField.EXIT_CRITERIA_MET] = (
            f"Keep each exit criterion under {SHORT_TEXT_MAX} characters."
        )
    if errors or summary is None:
        return Parsed(None, errors)
    return Parsed(
        Resolution(summary=summary, mitigated_at=mitigated, exit_criteria_met=criteria), {}
    )


def validate_resolution(
    form: ResolutionForm, *, now: datetime, regression_started_at: datetime | None = None
) -> Errors:
    return parse_resolution(form, now=now, regression_started_at=regression_started_at).errors
