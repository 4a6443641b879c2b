"""Langfuse's prompt-version webhooks onto the ledger: pure functions.

A watched label (by default `production`) landing on a prompt version is a prompt change;
everything else is acknowledged and ignored, with the reason. Bad payloads raise
`pydantic.ValidationError`.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from bot.core.changes.model import Change, ChangeKind, as_utc, one_line, parse_zoned_time

LANGFUSE_SOURCE = "langfuse"
DEFAULT_WATCHED_LABELS: tuple[str, ...] = ("production",)
# A prompt tagged `ai_feature:<name>` (or `service:<name>`) in Langfuse is filed under that
# feature; otherwise under the prompt's name.
_FEATURE_TAG_PREFIXES = ("ai_feature:", "service:")
_SIGNATURE_TOLERANCE = timedelta(minutes=5)


class LangfusePrompt(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str | None = Field(default=None, max_length=200)
    name: str = Field(min_length=1, max_length=200)
    version: int = Field(ge=1)
    project_id: str | None = Field(default=None, alias="projectId", max_length=200)
    labels: list[str] = Field(default_factory=list, max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=100)
    commit_message: str | None = Field(
        default=None, validation_alias=AliasChoices("commitMessage", "commit_message")
    )


class _LangfuseEnvelope(BaseModel):
    """Just enough to tell a prompt-version event from anything else Langfuse may send."""

    model_config = ConfigDict(extra="ignore")

    type: str = Field(max_length=100)
    action: str | None = Field(default=None, max_length=100)


class LangfusePromptVersionEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(min_length=1, max_length=200)
    timestamp: datetime
    type: Literal["prompt-version"]
    api_version: str | None = Field(default=None, alias="apiVersion")
    action: Literal["created", "updated"]
    prompt: LangfusePrompt

    @field_validator("timestamp", mode="before")
    @classmethod
    def _zoned(cls, value: object) -> datetime:
        return parse_zoned_time(value)


class LangfuseOutcome(BaseModel):
    """A prompt change for the ledger, or None and the reason the event was ignored."""

    change: Change | None
    reason: str


def _prompt_service(prompt: LangfusePrompt) -> str:
    for tag in prompt.tags:
        for prefix in _FEATURE_TAG_PREFIXES:
            if tag.startswith(prefix) and tag[len(prefix) :].strip():
                return tag[len(prefix) :].strip()[:150]
    return prompt.name[:150]


def _prompt_url(base_url: str | None, prompt: LangfusePrompt) -> str | None:
    if not base_url or not prompt.project_id:
        return None
    base = base_url.rstrip("/")
    return f"{base}/project/{quote(prompt.project_id, safe='')}/prompts/{quote(prompt.name)}"


def langfuse_prompt_change(
    data: object,
    *,
    watched_labels: tuple[str, ...] = DEFAULT_WATCHED_LABELS,
    previous_version: int | None = None,
    langfuse_url: str | None = None,
) -> LangfuseOutcome:
    """A prompt change when a watched label (e.g. `production`) lands on a version.

    Langfuse sends one `updated` event for the version that gained a label and one for the
    version that lost it; only the first carries the label, so only it becomes a change. The
    payload does not name the version the label left, so the caller passes `previous_version`
    (the ledger's last known version for this prompt and label) when it has one: it becomes
    `before`, and an event that leaves the label where it was (a tag edit) is ignored.
    `langfuse_url` (e.g. https://cloud.langfuse.com) adds a link to the prompt.

    The change's external id is the Langfuse event id, which its retries repeat.
    Raises `pydantic.ValidationError` for a malformed prompt-version event.
    """
    envelope = _LangfuseEnvelope.model_validate(data)
    if envelope.type != "prompt-version":
        return LangfuseOutcome(
            change=None, reason=f"ignored: {envelope.type[:40]!r} is not a prompt-version event"
        )
    if envelope.action is not None and envelope.action not in ("created", "updated"):
        return LangfuseOutcome(
            change=None, reason=f"ignored: a prompt version {envelope.action[:40]!r} moves no label"
        )
    event = LangfusePromptVersionEvent.model_validate(data)
    prompt = event.prompt
    label = next((name for name in watched_labels if name in prompt.labels), None)
    if label is None:
        watched = ", ".join(watched_labels)
        return LangfuseOutcome(
            change=None,
            reason=f"ignored: version {prompt.version} of {prompt.name!r} does not carry {watched}",
        )
    if previous_version == prompt.version:
        return LangfuseOutcome(
            change=None,
            reason=f"ignored: {label} was already on version {prompt.version} of {prompt.name!r}",
        )

    attributes: dict[str, Any] = {
        "prompt.name": prompt.name,
        "prompt.version": prompt.version,
        "prompt.label": label,
        "prompt.labels": list(prompt.labels),
        "langfuse.action": event.action,
    }
    if previous_version is not None:
        attributes["prompt.previous_version"] = previous_version
    if prompt.commit_message:
        attributes["prompt.commit_message"] = prompt.commit_message[:1000]
    if prompt.project_id:
        attributes["langfuse.project_id"] = prompt.project_id
    if prompt.id:
        attributes["langfuse.prompt_id"] = prompt.id

    summary = f"{prompt.name}: {label} → version {prompt.version}"
    if prompt.commit_message:
        summary += f" ({one_line(prompt.commit_message, 200)})"
    change = Change(
        source=LANGFUSE_SOURCE,
        external_id=event.id,
        kind=ChangeKind.PROMPT,
        occurred_at=event.timestamp,
        service=_prompt_service(prompt),
        summary=summary,
        before=f"v{previous_version}" if previous_version is not None else None,
        after=f"v{prompt.version}",
        url=_prompt_url(langfuse_url, prompt),
        attributes=attributes,
    )
    return LangfuseOutcome(change=change, reason=f"prompt change: {summary}")


def verify_langfuse_signature(
    body: bytes,
    header: str | None,
    secret: str,
    *,
    now: datetime,
    tolerance: timedelta = _SIGNATURE_TOLERANCE,
) -> bool:
    """Check Langfuse's `x-langfuse-signature: t=<unix>,v1=<hex>` header.

    Langfuse signs `"<t>.<raw body>"` with HMAC-SHA256 under the secret it shows when the
    webhook is created. The timestamp bounds replays; the comparison is constant-time.
    """
    if not header or not secret:
        return False
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    stamps = fields.get("t", [])
    # Ten digits cover epoch seconds until the year 2286; longer is not a time Langfuse sends.
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()) or len(stamps[0]) > 10:
        return False
    signed_at = datetime.fromtimestamp(int(stamps[0]), UTC)
    if abs(as_utc(now) - signed_at) > tolerance:
        return False
    expected = (
        hmac.new(secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256)
        .hexdigest()
        .encode()
    )
    return any(
        hmac.compare_digest(expected, given.encode("utf-8", "replace"))
        for given in fields.get("v1", [])
    )
