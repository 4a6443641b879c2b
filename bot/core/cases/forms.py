"""Regression cases and gate runs as input models: the case form (modal, REST) and what CI
reports (a list of verdicts, a promptfoo result file, or a JSONL result file)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, model_validator

from bot.core.cases.model import (
    CaseSource,
    Expectation,
    RegressionCase,
    Risk,
    Verdict,
    Versions,
    case_key,
)
from bot.core.forms import FormInput, choice, problem, text, url

INPUT_MAX = 8000  # a prompt or a retrieval query with its context, not a whole document
OUTPUT_MAX = 8000
EXPECTED_MAX = 3000
MAX_VERDICTS = 5000
_COMMIT = re.compile(r"^[0-9A-Za-z._/-]{4,80}$")


def _expectation(value: object) -> Expectation:
    return choice(Expectation, label="how it is stated")(value) or Expectation.MUST


def _risk(value: object) -> Risk:
    return choice(Risk, label="the risk")(value) or Risk.MEDIUM


_VERSION_FIELDS = {"request_model", "provider_name", "prompt_name", "prompt_version"}


class CaseInput(FormInput):
    """One failing example and what should have happened instead."""

    input: Annotated[
        str,
        BeforeValidator(
            text(
                "The input",
                required=True,
                max_length=INPUT_MAX,
                missing="The input is required: paste the prompt or query that failed.",
            )
        ),
    ]
    observed: Annotated[
        str | None, BeforeValidator(text("The observed output", max_length=OUTPUT_MAX))
    ]
    expected: Annotated[
        str,
        BeforeValidator(
            text(
                "The expected behaviour",
                required=True,
                max_length=EXPECTED_MAX,
                missing="Say what should have happened: a reference answer, or what the "
                "output must (not) do.",
            )
        ),
    ]
    expectation: Annotated[
        Expectation,
        BeforeValidator(
            lambda value: choice(Expectation, label="how it is stated")(value) or "must"
        ),
    ]
    slice: Annotated[str | None, BeforeValidator(text("The slice", max_length=150))]
    risk: Annotated[
        Risk, BeforeValidator(lambda value: choice(Risk, label="the risk")(value) or "medium")
    ]
    trace_url: Annotated[str | None, BeforeValidator(url("The trace link"))]
    request_model: Annotated[str | None, BeforeValidator(text("The model"))]
    provider_name: Annotated[str | None, BeforeValidator(text("The provider"))]
    prompt_name: Annotated[str | None, BeforeValidator(text("The prompt name"))]
    prompt_version: Annotated[str | None, BeforeValidator(text("The prompt version"))]

    def versions(self) -> Versions:
        return Versions(
            request_model=self.request_model,
            provider_name=self.provider_name,
            prompt_name=self.prompt_name,
            prompt_version=self.prompt_version,
        )

    def new_case(
        self,
        *,
        incident_number: int,
        now: datetime,
        actor: str | None,
        source: CaseSource,
        source_url: str | None = None,
        key: str | None = None,
    ) -> RegressionCase:
        return RegressionCase(
            incident_number=incident_number,
            key=key or case_key(incident_number, self.input, self.expected),
            created_at=now,
            created_by=actor,
            source=source,
            source_url=source_url,
            versions=self.versions(),
            **self.model_dump(
                exclude={"request_model", "provider_name", "prompt_name", "prompt_version"}
            ),
        )

    def edited(self, case: RegressionCase) -> RegressionCase:
        """The case with this form's values; its key, source and history stay."""
        return case.model_copy(
            update={
                **self.model_dump(exclude=_VERSION_FIELDS),
                "versions": self.versions(),
            }
        )


class Refused(ValueError):
    """A result file or verdict list that cannot be read, in words for the person sending it."""


def _verdicts(value: object) -> list[Verdict]:
    if not isinstance(value, list) or not value:
        raise Refused('Give at least one verdict: [{"case_id": "…", "passed": true}, …].')
    if len(value) > MAX_VERDICTS:
        raise Refused(f"At most {MAX_VERDICTS} verdicts in one run.")
    verdicts: list[Verdict] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise Refused(f"Verdict {index + 1} is not an object.")
        key, passed = item.get("case_id"), item.get("passed")
        if not isinstance(key, str) or not key.strip():
            raise Refused(f"Verdict {index + 1} has no case_id.")
        if not isinstance(passed, bool):
            raise Refused(f"Verdict {index + 1} ({key}) needs passed: true or false.")
        verdicts.append(Verdict(case_key=key.strip(), passed=passed))
    return verdicts


def promptfoo_verdicts(data: object) -> list[dict[str, Any]]:
    """The verdicts in a promptfoo result file (`promptfoo eval -o results.json`): each test's
    `metadata.case_id` (as exported by the bot) and its `success`."""
    if not isinstance(data, Mapping):
        raise Refused("The promptfoo result file is not a JSON object.")
    outer = data.get("results")
    rows = outer.get("results") if isinstance(outer, Mapping) else outer
    if not isinstance(rows, list):
        raise Refused("The promptfoo result file has no results list (results.results).")
    found: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise Refused(f"Result {index + 1} of the promptfoo file is not an object.")
        key = _case_id_of(row)
        if key is None:
            raise Refused(
                f"Result {index + 1} of the promptfoo file names no case_id in its test's "
                "metadata (export the tests with `ai-incident cases export`)."
            )
        found.append({"case_id": key, "passed": row.get("success") is True})
    return found


def _case_id_of(row: Mapping[str, Any]) -> str | None:
    for holder in (row.get("testCase"), row, row.get("vars")):
        if isinstance(holder, Mapping):
            metadata = holder.get("metadata") if holder is not row.get("vars") else holder
            if isinstance(metadata, Mapping) and isinstance(metadata.get("case_id"), str):
                return str(metadata["case_id"])
    return None


def jsonl_verdicts(data: object) -> list[dict[str, Any]]:
    """The verdicts in a JSONL result file: one `{"case_id": …, "passed": …}` per line."""
    if not isinstance(data, str):
        raise Refused("The JSONL result file is text: one JSON object per line.")
    found: list[dict[str, Any]] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise Refused(f"Line {number} of the JSONL result file is not JSON.") from None
        if not isinstance(row, dict):
            raise Refused(f"Line {number} of the JSONL result file is not an object.")
        found.append(row)
    return found


class EvalRunInput(FormInput):
    """A gate run as CI reports it: which suite, at which commit, and a verdict per case."""

    suite: Annotated[str, BeforeValidator(text("The suite", required=True))]
    commit: Annotated[str, BeforeValidator(text("The commit", required=True, max_length=80))]
    url: Annotated[str | None, BeforeValidator(url("The run's URL"))]
    results: list[Verdict]

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        sources = [name for name in ("results", "promptfoo", "jsonl") if data.get(name)]
        if len(sources) != 1:
            raise problem(
                "Send the verdicts one way: results (a list), promptfoo (its result file) or "
                "jsonl (a JSONL result file).",
                field="results",
            )
        source = sources[0]
        try:
            if source == "promptfoo":
                raw: object = promptfoo_verdicts(data[source])
            elif source == "jsonl":
                raw = jsonl_verdicts(data[source])
            else:
                raw = data[source]
            verdicts = _verdicts(raw)
        except Refused as refused:
            raise problem(str(refused), field=source) from None
        rest = {k: v for k, v in data.items() if k not in ("promptfoo", "jsonl")}
        return {**rest, "results": verdicts}

    @model_validator(mode="after")
    def _commit_shape(self) -> EvalRunInput:
        if not _COMMIT.match(self.commit):
            raise problem(
                "The commit is a hash or a tag (letters, digits, . _ / -).", field="commit"
            )
        return self
