"""`ai-incident cases export ID`: the cases as a file an eval runner loads, the same bytes on a
re-export, and one line on stderr when it cannot be done."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.cli.cases import with_cases
from bot.core.cases.forms import CaseInput
from bot.core.cases.model import CaseSource, RegressionCase
from bot.core.cases.service import CaseService
from bot.core.incidents.model import Category, Incident, Severity
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade_sync
from storage.unit_of_work import SqlUnitOfWorkFactory

DECLARED = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
CASES = [
    {
        "input": "Which court decided Müller v. Land Berlin?",
        "expected": "Say no such decision can be found.",
        "expectation": "must",
        "slice": "case-law",
        "request_model": "gpt-4o-2024-11-20",
    },
    {
        "input": "What is the notice period for a tenant in Germany?",
        "expected": "Three months (§ 573c BGB).",
        "expectation": "reference",
    },
    {
        "input": "Draft a letter citing a court decision.",
        "expected": "cite a decision that does not exist",
        "expectation": "must_not",
        "risk": "high",
    },
]


async def _seed(url: str) -> None:
    """#1 with three cases, one per way of stating the expected behaviour; #2 with none."""
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(create_session_factory(engine))
    try:
        async with uow() as tx:
            for title in ("Assistant invents case law", "Nothing captured"):
                await tx.incidents.add(
                    incident=Incident(
                        title=title,
                        severity=Severity.S2,
                        category=Category.USER_VISIBLE_REGRESSION,
                        declared_at=DECLARED,
                    )
                )
        service = CaseService(uow=uow)
        for raw in CASES:
            await service.capture(
                number=1, actor="U0ALICE", form=CaseInput.check(raw), source=CaseSource.COMMAND
            )
    finally:
        await engine.dispose()


def stored(url: str) -> list[RegressionCase]:
    async def read(cases: CaseService) -> list[RegressionCase]:
        return [view.case for view in await cases.list(1)]

    return asyncio.run(with_cases(url, read))


def fresh_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """An empty SQLite file as AI_INCIDENT_DATABASE_URL, and no other setting of ours set."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "AI_INCIDENT_")):
            monkeypatch.delenv(name)
    url = f"sqlite+aiosqlite:///{tmp_path / 'cases.db'}"
    monkeypatch.setenv("AI_INCIDENT_DATABASE_URL", url)
    return url


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    return fresh_database(monkeypatch, tmp_path)


@pytest.fixture
def seeded(database: str) -> str:
    upgrade_sync(database)
    asyncio.run(_seed(database))
    return database


def test_the_promptfoo_file_loads_as_a_list_of_tests(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "regressions.yaml"

    assert main(["cases", "export", "#1", "--format", "promptfoo", "--out", str(out)]) == 0

    tests = yaml.safe_load(out.read_text(encoding="utf-8"))
    keys = [case.key for case in stored(seeded)]
    assert isinstance(tests, list) and len(tests) == 3
    assert [t["vars"]["input"] for t in tests] == [c["input"] for c in CASES]
    assert [t["assert"][0]["type"] for t in tests] == ["llm-rubric", "factuality", "llm-rubric"]
    assert (
        tests[2]["assert"][0]["value"] == "The output must not: cite a decision that does not exist"
    )
    assert [t["metadata"]["case_id"] for t in tests] == keys
    assert tests[0]["metadata"]["gen_ai.request.model"] == "gpt-4o-2024-11-20"
    assert f"exported 3 regression case(s) of incident #1 as promptfoo to {out}" in (
        capsys.readouterr().err
    )
    assert list(tmp_path.glob(".*partial")) == []


def test_jsonl_on_stdout_marks_the_cases_and_a_re_export_is_identical(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert all(case.exported_at is None for case in stored(seeded))

    assert main(["cases", "export", "1"]) == 0
    first = capsys.readouterr().out
    marked = [case.exported_at for case in stored(seeded)]
    assert main(["cases", "export", "1", "--format", "jsonl"]) == 0
    again = capsys.readouterr().out

    assert again == first
    assert all(at is not None for at in marked)
    assert [case.exported_at for case in stored(seeded)] == marked
    records = [json.loads(line) for line in first.splitlines()]
    assert [r["id"] for r in records] == [case.key for case in stored(seeded)]
    assert [r["expected"]["kind"] for r in records] == ["must", "reference", "must_not"]


def test_an_incident_without_cases_exports_an_empty_file_and_says_so(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cases", "export", "2", "--format", "promptfoo"]) == 0
    out, err = capsys.readouterr()
    assert yaml.safe_load(out) == []
    assert "incident #2 has no regression cases yet" in err


def test_failures_are_one_line_and_mark_nothing(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cases", "export", "1"]) == 2
    assert "ai-incident db upgrade" in capsys.readouterr().err

    upgrade_sync(database)
    asyncio.run(_seed(database))
    assert main(["cases", "export", "7"]) == 2
    assert capsys.readouterr().err == "ai-incident: There is no incident #7.\n"

    missing = tmp_path / "no-such-dir" / "cases.jsonl"
    assert main(["cases", "export", "1", "--out", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ai-incident: cannot write {missing}") and err.count("\n") == 1
    assert all(case.exported_at is None for case in stored(database))

    with pytest.raises(SystemExit):
        main(["cases", "export", "1", "--format", "csv"])
    assert "invalid choice" in capsys.readouterr().err


def test_a_failed_export_leaves_an_earlier_file_as_it_was(
    seeded: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cases.jsonl"
    out.write_text("earlier export\n", encoding="utf-8")

    assert main(["cases", "export", "9", "--out", str(out)]) == 2

    assert out.read_text(encoding="utf-8") == "earlier export\n"
    assert list(tmp_path.glob(".*partial")) == []
