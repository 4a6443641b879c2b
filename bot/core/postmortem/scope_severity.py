"""Does the recorded scope contradict the severity? A deliberately simple, stated rule.

Scope sets severity (seed 000), so when the slice rows say something else than the severity
does, the bot says so. It only says so: severity also carries risk the rows cannot measure (a
0.3% slice of medical triage queries is still an S1), so the decision stays with people.

The rule, on the rows that moved in the bad direction ("regressed"):

- **S3 looks too low** when any regressed slice has at least `LARGE_USERS` users affected, or
  worsened by at least `LARGE_RELATIVE_PCT` percent of its baseline.
- **S1 looks too high** when there are rows, every one of them worsened by less than
  `SMALL_RELATIVE_PCT` percent (or not at all), and every row that gives a user count counts
  fewer than `SMALL_USERS`. A row whose relative change is unknown (a zero baseline that
  regressed) is never called small.
- S2 is never contradicted: it is the middle.

Users are judged per slice, never summed, because slices overlap ("all research queries"
contains "queries on new filings").
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.incidents.model import Severity
from bot.core.postmortem.analysis import SliceImpact
from bot.core.postmortem.formatting import number

LARGE_USERS = 1_000
LARGE_RELATIVE_PCT = 20.0
SMALL_USERS = 100
SMALL_RELATIVE_PCT = 5.0


def worsening_pct(row: SliceImpact) -> float | None:
    """How much worse than its baseline the slice got, in percent (0 when it did not);
    None when the baseline is zero and the relative size is unknown."""
    if not row.regressed:
        return 0.0
    if row.delta_pct is None:
        return None
    return abs(row.delta_pct)


def _describe(row: SliceImpact) -> str:
    change = worsening_pct(row)
    users = f", {row.users_affected:,} users" if row.users_affected is not None else ""
    size = f" ({change:.0f}% worse)" if change else ""
    return (
        f"{row.slice}: {row.metric} {number(row.baseline)} → {number(row.incident_value)}"
        f"{size}{users}"
    )


def scope_contradiction(rows: Sequence[SliceImpact], severity: Severity) -> str | None:
    """One sentence saying how the scope and the severity disagree, or None when they don't."""
    if severity is Severity.S3:
        large = [
            row
            for row in rows
            if row.regressed
            and (
                (row.users_affected or 0) >= LARGE_USERS
                or (worsening_pct(row) or 0.0) >= LARGE_RELATIVE_PCT
            )
        ]
        if large:
            listed = "; ".join(_describe(row) for row in large)
            return (
                f"The scope looks bigger than S3: {listed}. S3 is for slices under "
                f"{LARGE_USERS:,} users and under {LARGE_RELATIVE_PCT:.0f}% worse than "
                "baseline; consider `/ai-incident severity S2` or S1."
            )
    if severity is Severity.S1 and rows:
        small = all(
            (change := worsening_pct(row)) is not None
            and change < SMALL_RELATIVE_PCT
            and (row.users_affected is None or row.users_affected < SMALL_USERS)
            for row in rows
        )
        if small:
            return (
                f"The scope looks smaller than S1: every recorded slice is under "
                f"{SMALL_RELATIVE_PCT:.0f}% worse than baseline and under {SMALL_USERS} users. "
                "Keep S1 if the risk of the failure warrants it (say why on the timeline); "
                "otherwise consider `/ai-incident severity S2`."
            )
    return None
