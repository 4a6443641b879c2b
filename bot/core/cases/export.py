"""Cases as an eval runner takes them: JSONL (one self-describing case per line) and promptfoo
tests whose asserts come from the expected behaviour. Pure: the same cases, the same bytes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml

from bot.core.cases.model import Expectation, RegressionCase

SCHEMA = "ai-incident/regression-case/v1"


def case_record(case: RegressionCase) -> dict[str, Any]:
    """One case as a plain record; `id` is the key a runner reports verdicts under."""
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "id": case.key,
        "incident": case.incident_number,
        "input": case.input,
        "expected": {"kind": case.expectation.value, "text": case.expected},
        "observed": case.observed,
        "slice": case.slice,
        "risk": case.risk.value,
        "trace_url": case.trace_url,
        "attributes": case.versions.attributes(),
        "source": {"kind": case.source.value, "url": case.source_url},
        "created_at": case.created_at.isoformat(),
    }
    return record


def to_jsonl(cases: Sequence[RegressionCase]) -> str:
    return "".join(
        json.dumps(case_record(case), ensure_ascii=False, sort_keys=True) + "\n" for case in cases
    )


def _assertion(case: RegressionCase) -> dict[str, Any]:
    # Model-graded on purpose: an AI regression is rarely caught by a string match.
    if case.expectation is Expectation.REFERENCE:
        return {"type": "factuality", "value": case.expected}
    if case.expectation is Expectation.MUST_NOT:
        return {"type": "llm-rubric", "value": f"The output must not: {case.expected}"}
    return {"type": "llm-rubric", "value": case.expected}


def promptfoo_tests(cases: Sequence[RegressionCase]) -> list[dict[str, Any]]:
    """A promptfoo test list (for `tests: file://…` in promptfooconfig.yaml): the input as the
    `input` var, the expected behaviour as the assert, the key as `metadata.case_id` (promptfoo
    keeps test metadata in its result file, so the gate run maps back by id)."""
    tests: list[dict[str, Any]] = []
    for case in cases:
        metadata: dict[str, Any] = {"case_id": case.key, "incident": case.incident_number}
        if case.slice:
            metadata["slice"] = case.slice
        metadata["risk"] = case.risk.value
        metadata.update(case.versions.attributes())
        tests.append(
            {
                "description": f"{case.key}: {_abridged(case.input)}",
                "vars": {"input": case.input},
                "assert": [_assertion(case)],
                "metadata": metadata,
            }
        )
    return tests


def to_promptfoo(cases: Sequence[RegressionCase]) -> str:
    header = (
        "# Regression cases exported by ai-incident; reference with tests: file://<this file>\n"
    )
    body = yaml.safe_dump(promptfoo_tests(cases), sort_keys=False, allow_unicode=True, width=100)
    return header + body


def _abridged(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
