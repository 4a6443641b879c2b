"""The renderer's output for the two incidents of seed 002, pinned word for word.

A change to the template or the compiler shows up here as a diff to read. When the change is
intended, rewrite the files with `UPDATE_GOLDEN=1 python -m pytest tests/unit/postmortem` and
review the diff before committing it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.postmortem.compiler import PostmortemInput, compile_postmortem
from tests.core.postmortem.postmortem_cases import legal_rag, medical_triage


@pytest.fixture
def legal_rag_draft() -> PostmortemInput:
    return legal_rag()


@pytest.fixture
def medical_triage_draft() -> PostmortemInput:
    return medical_triage()


GOLDEN = Path(__file__).parent / "golden"
COMPILED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "case"),
    [("legal_rag", "legal_rag_draft"), ("medical_triage", "medical_triage_draft")],
)
def test_markdown_matches_the_golden_file(
    name: str, case: str, request: pytest.FixtureRequest
) -> None:
    draft: PostmortemInput = request.getfixturevalue(case)
    markdown = compile_postmortem(draft, now=COMPILED_AT).markdown
    path = GOLDEN / f"{name}.md"

    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(markdown, encoding="utf-8")
    assert markdown == path.read_text(encoding="utf-8")
