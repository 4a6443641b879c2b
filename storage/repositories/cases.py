"""Regression cases and gate runs: the CaseRepository and EvalRunRepository ports on SQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.cases.model import EvalRun, LastVerdict, RegressionCase
from bot.core.incidents.model import Status
from bot.core.postmortem.analysis import ActionCategory, ActionStatus
from bot.core.postmortem.ports import ItemToChase
from storage.models import (
    ActionItemRow,
    EvalRunRow,
    EvalVerdictRow,
    IncidentRow,
    RegressionCaseRow,
    regression_case_values,
    row_to_case,
    to_utc,
)
from storage.repositories.conflict import insert_unless_present
from storage.repositories.postmortem import row_to_action_item

# Bound parameters per IN list: far below SQLite's limit, and a run may name thousands of keys.
_CHUNK = 500


def _chunks(keys: Sequence[str]) -> Iterator[list[str]]:
    distinct = list(dict.fromkeys(keys))
    for start in range(0, len(distinct), _CHUNK):
        yield distinct[start : start + _CHUNK]


class SqlCaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def eval_set_items_owed(self, *, closed_before: datetime) -> list[ItemToChase]:
        statement = (
            select(ActionItemRow, IncidentRow.status, IncidentRow.channel_id)
            .join(IncidentRow, col(IncidentRow.number) == col(ActionItemRow.incident_number))
            .where(col(ActionItemRow.category) == ActionCategory.EVAL_SET.value)
            .where(col(ActionItemRow.status) == ActionStatus.OPEN.value)
            .where(col(IncidentRow.closed_at).is_not(None))
            .where(col(IncidentRow.closed_at) <= closed_before)
            .order_by(col(ActionItemRow.id))
        )
        return [
            ItemToChase(
                incident_number=row.incident_number,
                incident_open=status == Status.OPEN.value,
                channel_id=channel_id,
                item=row_to_action_item(row),
            )
            for row, status, channel_id in await self._session.exec(statement)
        ]

    async def add(self, *, case: RegressionCase) -> tuple[RegressionCase, bool]:
        # The unique key is the arbiter: of two replicas capturing the same example, one
        # inserts and the other reads the winner back, and neither transaction is aborted.
        values = regression_case_values(case)
        new_id = await insert_unless_present(
            self._session,
            entity=RegressionCaseRow,
            values=values,
            unique_columns=[col(RegressionCaseRow.key)],
            returning=col(RegressionCaseRow.id),
        )
        if new_id is not None:
            return row_to_case(RegressionCaseRow(**values, id=new_id)), True
        statement = select(RegressionCaseRow).where(col(RegressionCaseRow.key) == case.key)
        existing = (await self._session.exec(statement)).one()
        return row_to_case(existing), False

    async def get(self, *, incident_number: int, case_id: int) -> RegressionCase | None:
        row = await self._session.get(RegressionCaseRow, case_id)
        if row is None or row.incident_number != incident_number:
            return None
        return row_to_case(row)

    async def save(self, *, case: RegressionCase) -> None:
        if case.id is None:
            raise ValueError("only a stored case can be saved")
        await self._session.exec(
            update(RegressionCaseRow)
            .where(col(RegressionCaseRow.id) == case.id)
            .values(regression_case_values(case))
        )

    async def remove(self, *, incident_number: int, case_id: int) -> bool:
        result = await self._session.exec(
            delete(RegressionCaseRow).where(
                col(RegressionCaseRow.id) == case_id,
                col(RegressionCaseRow.incident_number) == incident_number,
            )
        )
        return bool(result.rowcount)

    async def list_for(self, *, incident_number: int) -> list[RegressionCase]:
        statement = (
            select(RegressionCaseRow)
            .where(col(RegressionCaseRow.incident_number) == incident_number)
            .order_by(col(RegressionCaseRow.id))
        )
        return [row_to_case(row) for row in await self._session.exec(statement)]

    async def by_keys(self, *, keys: Sequence[str]) -> list[RegressionCase]:
        rows: list[RegressionCaseRow] = []
        for chunk in _chunks(keys):
            statement = select(RegressionCaseRow).where(col(RegressionCaseRow.key).in_(chunk))
            rows.extend(await self._session.exec(statement))
        rows.sort(key=lambda row: row.id or 0)
        return [row_to_case(row) for row in rows]

    async def mark_exported(self, *, incident_number: int, at: datetime) -> None:
        # Only the first export is a fact worth keeping; a re-export writes nothing.
        await self._session.exec(
            update(RegressionCaseRow)
            .where(
                col(RegressionCaseRow.incident_number) == incident_number,
                col(RegressionCaseRow.exported_at).is_(None),
            )
            .values(exported_at=to_utc(at))
        )

    async def mark_pushed(self, *, keys: Sequence[str], dataset: str, at: datetime) -> None:
        for chunk in _chunks(keys):
            await self._session.exec(
                update(RegressionCaseRow)
                .where(col(RegressionCaseRow.key).in_(chunk))
                .values(
                    dataset=dataset,
                    pushed_at=func.coalesce(col(RegressionCaseRow.pushed_at), to_utc(at)),
                )
            )


class SqlEvalRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, run: EvalRun) -> EvalRun:
        row = EvalRunRow(
            suite=run.suite, commit=run.commit, url=run.url, reported_at=run.reported_at
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        # A case named twice in one report counts once, with what the report said last.
        passed = {verdict.case_key: verdict.passed for verdict in run.verdicts}
        if passed:
            await self._session.exec(
                insert(EvalVerdictRow).values(
                    [
                        {"run_id": row.id, "case_key": key, "passed": value}
                        for key, value in passed.items()
                    ]
                )
            )
        return run.model_copy(update={"id": row.id})

    async def last_verdicts(self, *, keys: Sequence[str]) -> dict[str, LastVerdict]:
        found: dict[str, LastVerdict] = {}
        for chunk in _chunks(keys):
            latest = (
                select(
                    col(EvalVerdictRow.case_key).label("case_key"),
                    col(EvalVerdictRow.passed).label("passed"),
                    col(EvalVerdictRow.run_id).label("run_id"),
                    func.row_number()
                    .over(
                        partition_by=col(EvalVerdictRow.case_key),
                        order_by=(col(EvalRunRow.reported_at).desc(), col(EvalRunRow.id).desc()),
                    )
                    .label("rank"),
                )
                .join(EvalRunRow, col(EvalRunRow.id) == col(EvalVerdictRow.run_id))
                .where(col(EvalVerdictRow.case_key).in_(chunk))
                .subquery()
            )
            statement = (
                select(latest.c.case_key, latest.c.passed, EvalRunRow)
                .join(EvalRunRow, col(EvalRunRow.id) == latest.c.run_id)
                .where(latest.c.rank == 1)
            )
            for key, passed, run in await self._session.exec(statement):
                assert run.id is not None
                found[key] = LastVerdict(
                    run_id=run.id,
                    suite=run.suite,
                    commit=run.commit,
                    url=run.url,
                    reported_at=run.reported_at,
                    passed=bool(passed),
                )
        return found
