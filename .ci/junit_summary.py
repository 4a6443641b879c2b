"""Read pytest's JUnit XML report: count outcomes and prove the PostgreSQL tests really ran.

A green run whose PostgreSQL tests were skipped (server down, URL unset) would claim a backend
works that was never exercised, so .ci/run fails unless tests with `postgres` in their id ran
and passed and none of them was skipped.

Usage: python .ci/junit_summary.py REPORT.xml
Prints any problems, then `N passed, N failed, N skipped` as the last line; exits 1 on a problem.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

POSTGRES_MARK = "postgres"
SHOWN_PER_PROBLEM = 10


@dataclass
class Outcomes:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _test_id(case: ET.Element) -> str:
    return f"{case.get('classname', '')}::{case.get('name', '')}"


def read_outcomes(report: Path) -> Outcomes:
    outcomes = Outcomes()
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = _test_id(case)
        # An error (e.g. in teardown) counts as a failure even next to a pass or skip.
        if case.find("failure") is not None or case.find("error") is not None:
            outcomes.failed.append(test_id)
        elif case.find("skipped") is not None:
            outcomes.skipped.append(test_id)
        else:
            outcomes.passed.append(test_id)
    return outcomes


def postgres_problems(outcomes: Outcomes) -> list[str]:
    def is_postgres(test_id: str) -> bool:
        return POSTGRES_MARK in test_id.lower()

    problems: list[str] = []
    skipped = [t for t in outcomes.skipped if is_postgres(t)]
    if skipped:
        shown = "\n  ".join(skipped[:SHOWN_PER_PROBLEM])
        problems.append(f"{len(skipped)} PostgreSQL test(s) were skipped:\n  {shown}")
    if not any(is_postgres(t) for t in outcomes.passed):
        problems.append(
            f"no test with '{POSTGRES_MARK}' in its id passed: the PostgreSQL backend went untested"
        )
    return problems


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: junit_summary.py REPORT.xml", file=sys.stderr)
        return 2
    report = Path(argv[1])
    if not report.is_file():
        print(f"ci: pytest wrote no report at {report}", file=sys.stderr)
        return 1
    outcomes = read_outcomes(report)
    problems = postgres_problems(outcomes)
    for problem in problems:
        print(f"ci: {problem}", file=sys.stderr)
    postgres_passed = sum(POSTGRES_MARK in t.lower() for t in outcomes.passed)
    print(f"ci: {postgres_passed} PostgreSQL test(s) passed", file=sys.stderr)
    # stderr is unbuffered and stdout is not: flush so the summary really is the last line.
    sys.stderr.flush()
    counts = (len(outcomes.passed), len(outcomes.failed), len(outcomes.skipped))
    print("{} passed, {} failed, {} skipped".format(*counts))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
