"""The AI control-plane change ledger: what a change is, how it arrives, and how it reads.

AI regressions rarely start in a code deploy; they start in a prompt edit, a model bump, an index
rebuild, a judge recalibration, a tool-API change, a budget or flag, or a traffic shift. Each of
those is a `Change` with a `ChangeKind`, and each kind points at one root-cause axis through
`bot.core.timeline.axis_of` (the only place that mapping lives).

`ChangeIn` is what `POST /api/v1/changes` accepts. It is strict on purpose: a change the ledger
cannot place in time or cannot describe is worse than none, because the "what changed" digest
would then answer the triage question wrongly. `bot.core.forms.validation_errors` turns a
rejection into `[{"field": "changes.3.kind", "reason": "..."}]` so a CI job's log names exactly
what to fix.

Attribute names (free `attributes`, any scalar or list of scalars). Model facts use the
OpenTelemetry GenAI names where one exists; the others are this project's own, documented here
and in docs/ingestion.md so producers and the digest agree:

- model / routing: `gen_ai.provider.name`, `gen_ai.request.model`, `gen_ai.response.model`;
  routing also `routing.rule`, `routing.traffic_percent`
- prompt: `prompt.name`, `prompt.version`, `prompt.label` (the deployment label that moved),
  `prompt.labels` (all labels of the version), `prompt.previous_version`, `prompt.commit_message`
- index: `gen_ai.data_source.id` (OTel), `index.name`, `corpus.name`, `corpus.version`,
  `corpus.documents_added`, `embedding.model`, `embedding.retrained`
- judge: `judge.name`, `judge.version`, `judge.model`, `judge.kappa`, `judge.tpr`, `judge.tnr`
- tool: `gen_ai.tool.name` (OTel), `tool.api_version`
- config: `config.key`, and the OTel request parameters `gen_ai.request.temperature`,
  `gen_ai.request.top_p`, `gen_ai.request.max_tokens`
- traffic: `traffic.segment`, `traffic.source`, `traffic.share_before`, `traffic.share_after`
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.core.forms import CLOCK_SKEW, context, problem
from bot.core.timeline import Axis, TimelineEvent, TimelineKind, axis_of


class ChangeKind(StrEnum):
    """The eight kinds of control-plane change a responder asks about first."""

    MODEL = "model"
    PROMPT = "prompt"
    ROUTING = "routing"
    INDEX = "index"
    JUDGE = "judge"
    TOOL = "tool"
    CONFIG = "config"
    TRAFFIC = "traffic"

    @property
    def timeline_kind(self) -> TimelineKind:
        return _TIMELINE_KIND[self]

    @property
    def axis(self) -> Axis:
        axis = axis_of(self.timeline_kind)
        if axis is None:  # pragma: no cover - a test pins every kind to an axis
            raise LookupError(f"timeline kind {self.timeline_kind} has no root-cause axis")
        return axis


_TIMELINE_KIND: dict[ChangeKind, TimelineKind] = {
    ChangeKind.MODEL: TimelineKind.MODEL_CHANGE,
    ChangeKind.PROMPT: TimelineKind.PROMPT_CHANGE,
    ChangeKind.ROUTING: TimelineKind.ROUTING_CHANGE,
    ChangeKind.INDEX: TimelineKind.INDEX_CHANGE,
    ChangeKind.JUDGE: TimelineKind.JUDGE_CHANGE,
    ChangeKind.TOOL: TimelineKind.TOOL_CHANGE,
    ChangeKind.CONFIG: TimelineKind.CONFIG_CHANGE,
    ChangeKind.TRAFFIC: TimelineKind.TRAFFIC_SHIFT,
}

# The attribute names the ledger documents per kind (see the module docstring). Producers may
# send others; these are the ones the bot and its docs promise to understand.
KNOWN_ATTRIBUTES: dict[ChangeKind, tuple[str, ...]] = {
    ChangeKind.MODEL: ("gen_ai.provider.name", "gen_ai.request.model", "gen_ai.response.model"),
    ChangeKind.ROUTING: (
        "gen_ai.provider.name",
        "gen_ai.request.model",
        "gen_ai.response.model",
        "routing.rule",
        "routing.traffic_percent",
    ),
    ChangeKind.PROMPT: (
        "prompt.name",
        "prompt.version",
        "prompt.label",
        "prompt.labels",
        "prompt.previous_version",
        "prompt.commit_message",
    ),
    ChangeKind.INDEX: (
        "gen_ai.data_source.id",
        "index.name",
        "corpus.name",
        "corpus.version",
        "corpus.documents_added",
        "embedding.model",
        "embedding.retrained",
    ),
    ChangeKind.JUDGE: (
        "judge.name",
        "judge.version",
        "judge.model",
        "judge.kappa",
        "judge.tpr",
        "judge.tnr",
    ),
    ChangeKind.TOOL: ("gen_ai.tool.name", "tool.api_version"),
    ChangeKind.CONFIG: (
        "config.key",
        "gen_ai.request.temperature",
        "gen_ai.request.top_p",
        "gen_ai.request.max_tokens",
    ),
    ChangeKind.TRAFFIC: (
        "traffic.segment",
        "traffic.source",
        "traffic.share_before",
        "traffic.share_after",
    ),
}

MAX_BATCH = 1000
SOURCE_MAX = 64
EXTERNAL_ID_MAX = 200
SERVICE_MAX = 150  # the same bound as an incident's AI feature, so the two can match
SUMMARY_MAX = 500
VERSION_MAX = 200
URL_MAX = 2000
ACTOR_MAX = 150
ATTRIBUTES_MAX_KEYS = 50
ATTRIBUTE_KEY_MAX = 100
ATTRIBUTE_TEXT_MAX = 1000
ATTRIBUTE_LIST_MAX = 50
HEADLINE_MAX = 300

_SOURCE_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@-]*")
_ATTRIBUTE_KEY_SHAPE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:/-]*")


def as_utc(moment: datetime) -> datetime:
    """Aware times converted to UTC; naive ones taken as UTC already (how storage keeps them)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_zoned_time(value: object) -> datetime:
    """An ISO-8601 time that names its zone, as UTC. A bare local time or an epoch number is
    refused: a change placed in the wrong hour can fall outside the digest window."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                "not an ISO-8601 time; use e.g. 2024-11-20T14:03:00Z or 2024-11-20T15:03:00+01:00"
            ) from None
    else:
        raise ValueError("give the time as an ISO-8601 string with a zone, e.g. 2024-11-20T14:03Z")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the time needs a zone (a trailing Z or an offset such as +01:00)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before the first day in UTC
        raise ValueError("the time is outside the calendar once moved to UTC") from None


def check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("must be an http:// or https:// link without spaces")
    return value


def _blank_to_none(value: object) -> object:
    """CI templates often send "" for an unset variable; treat it as absent, not as text."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _check_attribute_value(key: str, value: object) -> None:
    scalar = (str, int, float, bool, type(None))
    if isinstance(value, list):
        if len(value) > ATTRIBUTE_LIST_MAX:
            raise ValueError(f"'{key}': at most {ATTRIBUTE_LIST_MAX} list items")
        items: list[object] = value
    else:
        items = [value]
    for item in items:
        if not isinstance(item, scalar):
            raise ValueError(
                f"'{key}': values must be text, numbers, booleans, null or lists of those"
            )
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"'{key}': numbers must be finite (JSON has no NaN or Infinity)")
        if isinstance(item, str) and len(item) > ATTRIBUTE_TEXT_MAX:
            raise ValueError(f"'{key}': text values are limited to {ATTRIBUTE_TEXT_MAX} characters")


def check_attributes(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("must be an object of name → value")
    if len(value) > ATTRIBUTES_MAX_KEYS:
        raise ValueError(f"at most {ATTRIBUTES_MAX_KEYS} attributes")
    for key, item in value.items():
        if (
            not isinstance(key, str)
            or len(key) > ATTRIBUTE_KEY_MAX
            or not _ATTRIBUTE_KEY_SHAPE.fullmatch(key)
        ):
            raise ValueError(
                f"attribute name {str(key)[:40]!r} must be 1-{ATTRIBUTE_KEY_MAX} letters, digits "
                "or . _ : / -"
            )
        _check_attribute_value(key, item)
    return dict(value)


class Change(BaseModel):
    """One control-plane change in the global ledger, independent of any incident.

    `(source, external_id)` identifies it: the producer's name for itself and its own id for the
    change (a commit sha, a deployment id, a Langfuse event id), so a retried POST lands once.
    """

    model_config = ConfigDict(from_attributes=True)

    id: int | None = None
    source: str
    external_id: str
    kind: ChangeKind
    occurred_at: datetime
    service: str | None = None  # the AI feature or service it concerns; None: all of them
    summary: str | None = None
    before: str | None = None
    after: str | None = None
    url: str | None = None
    actor: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return as_utc(value)

    @property
    def axis(self) -> Axis:
        return self.kind.axis

    @property
    def dedupe_key(self) -> str:
        """The timeline dedupe key: the same ledger change lands on a timeline once."""
        return f"change:{self.source}:{self.external_id}"


class ChangeIn(BaseModel):
    """One change as a producer sends it to `POST /api/v1/changes`.

    Required: source, external_id, kind, occurred_at, and something that says what changed
    (summary, before or after). Unknown fields are refused so a misspelt `occured_at` is named
    instead of silently dropped.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(max_length=SOURCE_MAX)
    external_id: str = Field(min_length=1, max_length=EXTERNAL_ID_MAX)
    kind: ChangeKind
    occurred_at: datetime
    service: str | None = Field(default=None, max_length=SERVICE_MAX)
    summary: str | None = Field(default=None, max_length=SUMMARY_MAX)
    before: str | None = Field(default=None, max_length=VERSION_MAX)
    after: str | None = Field(default=None, max_length=VERSION_MAX)
    url: str | None = Field(default=None, max_length=URL_MAX)
    actor: str | None = Field(default=None, max_length=ACTOR_MAX)
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("service", "summary", "before", "after", "url", "actor", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> object:
        value = _blank_to_none(value)
        # Version numbers often arrive as JSON numbers (`"after": 4`); they mean the same text.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("source")
    @classmethod
    def _source_shape(cls, value: str) -> str:
        if not _SOURCE_SHAPE.fullmatch(value):
            raise ValueError(
                "use letters, digits and . _ : / @ - (no spaces), starting with a letter or digit"
            )
        return value

    @field_validator("external_id")
    @classmethod
    def _printable_id(cls, value: str) -> str:
        if not value.isprintable():
            raise ValueError("must not contain control characters")
        return value

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _zoned(cls, value: object) -> datetime:
        return parse_zoned_time(value)

    @field_validator("occurred_at")
    @classmethod
    def _not_ahead(cls, occurred_at: datetime, info: ValidationInfo) -> datetime:
        """With `now` in the validation context (a change typed by a person), a change can't
        take effect in the future; producers may announce scheduled ones."""
        now = context(info, "now")
        if now is not None and occurred_at > now + CLOCK_SKEW:
            raise ValueError("a change cannot take effect in the future")
        return occurred_at

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        return None if value is None else check_http_url(value)

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes(cls, value: object) -> dict[str, Any]:
        return check_attributes(value)

    @model_validator(mode="after")
    def _says_what_changed(self) -> Self:
        if self.summary is None and self.before is None and self.after is None:
            # Raised on `summary` so the 422 points at the field a producer most likely forgot.
            raise _field_error("summary", "give a summary, or before/after values")
        return self

    def to_change(self) -> Change:
        return Change(**self.model_dump())


class ChangeBatchIn(BaseModel):
    """`{"changes": [...]}`: all or nothing, so a rejected batch leaves the ledger untouched."""

    model_config = ConfigDict(extra="forbid")

    changes: list[ChangeIn] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _one_entry_per_key(self) -> Self:
        first_seen: dict[tuple[str, str], int] = {}
        for index, change in enumerate(self.changes):
            key = (change.source, change.external_id)
            if key in first_seen:
                raise _field_error(
                    f"changes.{index}.external_id",
                    f"repeats changes.{first_seen[key]} (same source and external_id)",
                )
            first_seen[key] = index
        return self


def _field_error(field: str, reason: str) -> PydanticCustomError:
    return problem(reason, field=field)


def parse_change_payload(data: object) -> list[ChangeIn]:
    """One change object, or `{"changes": [...]}`; raises `pydantic.ValidationError`."""
    if isinstance(data, dict) and "changes" in data:
        return ChangeBatchIn.model_validate(data).changes
    return [ChangeIn.model_validate(data)]


def concerns_service(change: Change, service: str | None) -> bool:
    """Whether a change matters to an AI feature or service. A change with no service (a
    provider-wide model update) concerns every one; names compare without case."""
    if service is None or change.service is None:
        return True
    return change.service.casefold() == service.strip().casefold()


def one_line(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def change_headline(change: Change) -> str:
    """One line a responder reads at a glance:
    "model: gpt-4o-2024-08-06 → gpt-4o-2024-11-20 (legal-research)"."""
    if change.before and change.after:
        what = f"{change.before} → {change.after}"
    elif change.after:
        what = f"now {change.after}"
    elif change.before:
        what = f"{change.before} removed"
    else:
        what = change.summary or ""
    line = f"{change.kind.value}: {what}"
    if change.service:
        line += f" ({change.service})"
    if change.summary and what != change.summary:
        line += f" — {change.summary}"
    return one_line(line, HEADLINE_MAX)


def change_timeline_event(
    change: Change,
    *,
    incident_number: int,
    recorded_at: datetime,
    actor: str | None = None,
) -> TimelineEvent:
    """The change as a line on an incident's timeline, carrying its root-cause axis.

    `actor` is who added it (the responder who clicked "Add to timeline"); without one the
    change's own actor stands.
    """
    return TimelineEvent(
        incident_number=incident_number,
        occurred_at=change.occurred_at,
        recorded_at=as_utc(recorded_at),
        kind=change.kind.timeline_kind,
        axis=change.axis,
        actor=actor or change.actor,
        source=change.source,
        summary=change_headline(change),
        details={
            "change_id": change.id,
            "source": change.source,
            "external_id": change.external_id,
            "change_kind": change.kind.value,
            "service": change.service,
            "summary": change.summary,
            "before": change.before,
            "after": change.after,
            "url": change.url,
            "changed_by": change.actor,
            "attributes": change.attributes,
        },
        permalink=change.url,
        dedupe_key=change.dedupe_key,
    )
