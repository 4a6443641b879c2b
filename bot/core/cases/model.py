"""A regression case: one failing example, kept as data an eval runner can use.

Captured while the incident runs (from a message, the `case` command, or automation), it leaves
the bot as one self-describing record (JSONL, a promptfoo test, a Langfuse dataset item) under a
stable key, so a re-export or a re-push creates nothing new. An eval run is what a CI gate
reports back: per case key, pass or fail.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Expectation(StrEnum):
    """How the expected behaviour is stated."""

    REFERENCE = "reference"  # a reference answer the output must agree with
    MUST = "must"  # what the output must do
    MUST_NOT = "must_not"  # what the output must not do

    @property
    def label(self) -> str:
        return {
            Expectation.REFERENCE: "Reference answer",
            Expectation.MUST: "Must",
            Expectation.MUST_NOT: "Must not",
        }[self]


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class CaseSource(StrEnum):
    SLACK_MESSAGE = "slack_message"  # the "Add as regression case" message shortcut
    COMMAND = "command"  # `/ai-incident case`
    API = "api"  # POST /api/v1/incidents/{n}/cases (e.g. a trace tool's export)


class Versions(BaseModel):
    """The versions involved, exported under the OpenTelemetry GenAI names where one exists."""

    model_config = ConfigDict(frozen=True)

    request_model: str | None = None  # gen_ai.request.model
    provider_name: str | None = None  # gen_ai.provider.name
    prompt_name: str | None = None
    prompt_version: str | None = None

    def attributes(self) -> dict[str, str]:
        named = {
            "gen_ai.request.model": self.request_model,
            "gen_ai.provider.name": self.provider_name,
            "prompt.name": self.prompt_name,
            "prompt.version": self.prompt_version,
        }
        return {name: value for name, value in named.items() if value}


class RegressionCase(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int | None = None
    incident_number: int
    key: str  # stable across edits, exports and pushes: the id an eval runner reports back
    input: str
    observed: str | None = None
    expected: str
    expectation: Expectation = Expectation.MUST
    slice: str | None = None
    risk: Risk = Risk.MEDIUM
    trace_url: str | None = None
    versions: Versions = Field(default_factory=Versions)
    source: CaseSource = CaseSource.COMMAND
    source_url: str | None = None  # the captured message's permalink
    created_by: str | None = None
    created_at: datetime
    exported_at: datetime | None = None
    dataset: str | None = None  # the Langfuse dataset it was pushed to
    pushed_at: datetime | None = None

    @property
    def in_eval_set(self) -> bool:
        """It has left the bot: exported as a file, or pushed to a dataset."""
        return self.exported_at is not None or self.pushed_at is not None


def case_key(incident_number: int, input_text: str, expected: str) -> str:
    """The key a new case gets: the same failing example captured twice is one case."""
    digest = hashlib.sha256(f"{input_text}\x00{expected}".encode()).hexdigest()[:12]
    return f"aiinc-{incident_number}-{digest}"


class Verdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_key: str
    passed: bool


class EvalRun(BaseModel):
    """One gate run as CI reported it."""

    id: int | None = None
    suite: str
    commit: str
    url: str | None = None
    reported_at: datetime
    verdicts: list[Verdict]

    def verdict(self, key: str) -> bool | None:
        for verdict in self.verdicts:
            if verdict.case_key == key:
                return verdict.passed
        return None


class LastVerdict(BaseModel):
    """The latest gate run that included a case, and what it said."""

    model_config = ConfigDict(frozen=True)

    run_id: int
    suite: str
    commit: str
    url: str | None
    reported_at: datetime
    passed: bool


class CaseView(BaseModel):
    """A case with what the gate last said about it (None: no gate has run it)."""

    case: RegressionCase
    last: LastVerdict | None = None
