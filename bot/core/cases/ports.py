"""What the cases use cases ask of storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.core.cases.model import EvalRun, LastVerdict, RegressionCase
from bot.core.postmortem.ports import ItemToChase


class CaseRepository(Protocol):
    async def add(self, *, case: RegressionCase) -> tuple[RegressionCase, bool]:
        """Store the case; (the stored case, True), or (the case already stored under its key,
        False) — a repeat capture stores nothing."""
        ...

    async def get(self, *, incident_number: int, case_id: int) -> RegressionCase | None: ...

    async def save(self, *, case: RegressionCase) -> None: ...

    async def remove(self, *, incident_number: int, case_id: int) -> bool: ...

    async def list_for(self, *, incident_number: int) -> list[RegressionCase]:
        """The incident's cases, in the order they were captured."""
        ...

    async def by_keys(self, *, keys: Sequence[str]) -> list[RegressionCase]: ...

    async def mark_exported(self, *, incident_number: int, at: datetime) -> None:
        """Every case of the incident left the bot as a file now (the first time stays)."""
        ...

    async def mark_pushed(self, *, keys: Sequence[str], dataset: str, at: datetime) -> None: ...

    async def eval_set_items_owed(self, *, closed_before: datetime) -> list[ItemToChase]:
        """Open eval-set action items of incidents closed before then, oldest item first: what
        the reminders chase while the incident's cases have not left the bot."""
        ...


class EvalRunRepository(Protocol):
    async def add(self, *, run: EvalRun) -> EvalRun: ...

    async def last_verdicts(self, *, keys: Sequence[str]) -> dict[str, LastVerdict]:
        """Per case key, the latest run (by report time, then id) that included it."""
        ...
