"""Form inputs: pydantic models whose rejections read as `{field: message}` a person can act on.

Every form (a Slack modal, a JSON body) is validated once, here in the core, by the input model
of its feature. A model reports every problem at once, so a responder fixes the whole form in
one pass. Field names are stable strings: the Slack edge maps them onto block ids, the REST API
puts them in its 4xx bodies. Checks that depend on the moment or on stored facts (now, today,
the item being edited) read them from the validation context: `Model.check(raw, now=...)`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Self, TypedDict, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from bot.core.errors import DomainError

FieldErrors = dict[str, str]
E = TypeVar("E", bound=StrEnum)

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 3000  # Slack's cap on a plain-text input
URL_MAX = 2000
# Clocks disagree a little between a laptop, Slack and the server; a minute or two "in the
# future" is skew, not a mistake worth bouncing a form for.
CLOCK_SKEW = timedelta(minutes=5)

# A rejection in our own words; `field` (in its context) names the field when the check runs
# at model level, where pydantic would report no location.
_FORM_ERROR = "ai_incident_field"


class FormInvalid(DomainError):
    """A form did not pass its checks; `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: FieldErrors) -> None:
        listed = "; ".join(f"{name}: {message}" for name, message in errors.items())
        super().__init__(f"Nothing was saved. {listed}")
        self.errors = errors


def problem(message: str, *, field: str | None = None) -> PydanticCustomError:
    """A rejection to raise from a validator; `field` for a check on the whole model."""
    context = {"reason": message} if field is None else {"reason": message, "field": field}
    return PydanticCustomError(_FORM_ERROR, "{reason}", context)


def problems(errors: Mapping[str, str], *, title: str) -> ValidationError:
    """Several rejections at once, each under its own (dotted) field name."""
    details = [
        InitErrorDetails(type=problem(message), loc=tuple(name.split(".")), input=None)
        for name, message in errors.items()
    ]
    return ValidationError.from_exception_data(title, details)


class FieldError(TypedDict):
    field: str
    reason: str


_REASON_PREFIXES = ("Value error, ", "Assertion failed, ")
# Pydantic's own wording names Python classes ("instance of ChangeIn"); a producer sent JSON.
_NOT_AN_OBJECT = frozenset({"model_type", "model_attributes_type", "dict_type"})


def validation_errors(exc: ValidationError) -> list[FieldError]:
    """Each problem as `{"field": "changes.3.kind", "reason": "..."}`.

    The rejected input value is deliberately left out: it may be a token someone pasted into
    the wrong field, and this list goes back over HTTP and into logs.
    """
    errors: list[FieldError] = []
    for error in exc.errors(include_url=False, include_input=False):
        location = [str(part) for part in error["loc"]]
        reason = error["msg"]
        for prefix in _REASON_PREFIXES:
            reason = reason.removeprefix(prefix)
        if error["type"] in _NOT_AN_OBJECT:
            reason = "must be a JSON object"
        context = error.get("ctx") or {}
        if error["type"] == _FORM_ERROR and "field" in context:
            location = [*location, str(context["field"])]
        errors.append({"field": ".".join(location) or "body", "reason": reason})
    return errors


def field_errors(exc: ValidationError) -> FieldErrors:
    """The first problem of each field, as a form shows them: one message under each input."""
    errors: FieldErrors = {}
    for error in validation_errors(exc):
        errors.setdefault(error["field"], error["reason"])
    return errors


class FormInput(BaseModel):
    """A form's values once they pass every check. A field left out counts as left empty, so
    a required field says "X is required" in our words rather than pydantic's."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _absent_is_empty(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {name: None for name in cls.model_fields} | dict(data)
        return data

    @classmethod
    def check(cls, raw: Mapping[str, object], **context: object) -> Self:
        """The valid form, or `FormInvalid` with every problem."""
        try:
            return cls.model_validate(raw, context=context)
        except ValidationError as exc:
            raise FormInvalid(field_errors(exc)) from None

    @classmethod
    def errors(cls, raw: Mapping[str, object], **context: object) -> FieldErrors:
        """What is wrong with the form; empty when it passes."""
        try:
            cls.model_validate(raw, context=context)
        except ValidationError as exc:
            return field_errors(exc)
        return {}


def context(info: ValidationInfo, name: str) -> Any:
    """A value the caller put in the validation context (see `FormInput.check`)."""
    return (info.context or {}).get(name)


# --- single-value checks, as `BeforeValidator` functions -----------------------------------


def clean(value: object) -> str | None:
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def given(value: object) -> bool:
    return clean(value) is not None


def text(
    label: str,
    *,
    required: bool = False,
    max_length: int = SHORT_TEXT_MAX,
    missing: str | None = None,
) -> Callable[[object], str | None]:
    """Typed text, stripped; `missing` words the refusal of an empty required one."""

    def check(value: object) -> str | None:
        cleaned = clean(value)
        if cleaned is None:
            if required:
                raise problem(missing or f"{label} is required.")
            return None
        if len(cleaned) > max_length:
            raise problem(f"{label} is {len(cleaned)} characters long; keep it under {max_length}.")
        return cleaned

    return check


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


def url(
    label: str, *, required: bool = False, missing: str | None = None
) -> Callable[[object], str | None]:
    """A link; `missing` words the refusal of an empty required one."""

    def check(value: object) -> str | None:
        cleaned = clean(value)
        if cleaned is None:
            if required:
                raise problem(
                    missing or f"{label} is required: link a trace, commit, config or notice."
                )
            return None
        reason = url_problem(cleaned)
        if reason:
            raise problem(reason)
        return cleaned

    return check


def choice_of(enum: type[E], value: object, *, label: str, required: bool = False) -> E | None:
    cleaned = clean(value)
    if cleaned is None:
        if required:
            raise problem(f"Choose {label}.")
        return None
    try:
        return enum(cleaned)
    except ValueError:
        options = ", ".join(member.value for member in enum)
        raise problem(f"'{cleaned[:40]}' is not one of: {options}.") from None


def choice(enum: type[E], *, label: str, required: bool = False) -> Callable[[object], E | None]:
    def check(value: object) -> E | None:
        return choice_of(enum, value, label=label, required=required)

    return check


def choices(enum: type[E], *, label: str) -> Callable[[object], list[E]]:
    """Several options of one menu, each once, in the order chosen."""

    def check(value: object) -> list[E]:
        chosen: list[E] = []
        for raw in value if isinstance(value, list | tuple) else ():
            member = choice_of(enum, raw, label=label)
            if member is not None and member not in chosen:
                chosen.append(member)
        return chosen

    return check


_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_WHOLE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def number(label: str, *, required: bool = False) -> Callable[[object], float | None]:
    """A decimal as typed in a form; a trailing % is allowed and ignored (same unit kept)."""

    def check(value: object) -> float | None:
        if not given(value):
            if required:
                raise problem(f"{label} is required: enter a number, e.g. 0.92 or 95.")
            return None
        if isinstance(value, bool):
            raise problem(f"{label} must be a number, e.g. 0.92 or 95.")
        if isinstance(value, int | float):
            parsed = float(value)
        else:
            typed = str(value).strip()
            digits = typed.removesuffix("%").strip()
            if not _DECIMAL.fullmatch(digits):
                raise problem(
                    f"{label} must be a number such as 0.92 or 95 (use a dot for decimals); "
                    f"got '{typed[:40]}'."
                )
            parsed = float(digits)
        if not math.isfinite(parsed):
            raise problem(f"{label} must be a finite number.")
        return parsed

    return check


def whole(label: str, *, minimum: int) -> Callable[[object], int | None]:
    def check(value: object) -> int | None:
        if not given(value):
            return None
        if isinstance(value, bool):
            raise problem(f"{label} must be a whole number.")
        if isinstance(value, float):
            if not value.is_integer():
                raise problem(f"{label} must be a whole number, e.g. 850.")
            parsed = int(value)
        elif isinstance(value, int):
            parsed = value
        else:
            typed = str(value).strip()
            if not _WHOLE.fullmatch(typed):
                raise problem(
                    f"{label} must be a whole number such as 850 (an estimate is fine); "
                    f"got '{typed[:40]}'."
                )
            parsed = int(typed.replace(",", ""))
        if parsed < minimum:
            raise problem(f"{label} must be at least {minimum}.")
        return parsed

    return check


def calendar_date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    typed = str(value).strip()
    if not typed:
        return None
    try:
        return date.fromisoformat(typed)
    except ValueError:
        raise problem(f"Enter the due date as YYYY-MM-DD; got '{typed[:40]}'.") from None


def not_future(moment: datetime | None, now: datetime | None, *, label: str) -> None:
    if moment is not None and now is not None and utc(moment) > utc(now) + CLOCK_SKEW:
        raise problem(f"{label} can't be in the future.")


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
