"""What the cases use cases tell the incident's channel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.events import Notice


@dataclass(frozen=True)
class CaseCaptured(Notice):
    number: int
    actor: str | None
    key: str
    input: str  # the failing input, as captured (the edge abridges and escapes it)
    slice: str | None
    total: int  # cases the incident now has


@dataclass(frozen=True)
class GateRunReported(Notice):
    number: int
    suite: str
    commit: str
    url: str | None
    passed: int  # of this incident's cases in the run
    total: int
    failing: tuple[str, ...]  # keys of this incident's cases the run failed
    # The gate action items (their numbers in the postmortem's table) this run verified and
    # marked done, by "gate:<suite>@<commit>", with the run's URL as their artefact.
    verified: tuple[int, ...] = ()
    # Of the incident's cases, how many the run left out (a gate item waits for all of them).
    missing: int = 0
