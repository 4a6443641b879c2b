"""The postmortem's records on SQL: the AnalysisRepository, ActionItemRepository and
PostmortemRepository ports, and the mapping between their rows and the domain's models.

One-per-incident sections (detection, root cause, resolution, close override, postmortem) are
replaced whole: the form always submits the whole section. The use cases lock the incident row
before writing here, so "read, then insert or update" cannot race between replicas.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.incidents.model import Status
from bot.core.postmortem import CloseOverride, Flag, Postmortem
from bot.core.postmortem.analysis import (
    ActionItem,
    ActionStatus,
    AxisFinding,
    CalibrationRecord,
    Detection,
    Resolution,
    RootCause,
    SliceImpact,
)
from bot.core.postmortem.ports import ItemToChase
from storage.models import (
    ActionItemRow,
    CloseOverrideRow,
    DetectionRow,
    IncidentRow,
    PostmortemRow,
    ResolutionRow,
    RootCauseRow,
    SliceImpactRow,
    to_utc,
)

RowT = TypeVar("RowT", bound=SQLModel)


async def _replace(
    session: AsyncSession, entity: type[RowT], incident_number: int, values: dict[str, Any]
) -> None:
    """Insert the incident's row of `entity`, or overwrite the one that is there."""
    row = await session.get(entity, incident_number)
    if row is None:
        session.add(entity(incident_number=incident_number, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
    await session.flush()


def _utc(value: Any) -> Any:
    return to_utc(value) if value is not None else None


# -- mapping ------------------------------------------------------------------------------------


def detection_values(detection: Detection) -> dict[str, Any]:
    return {
        "how": detection.how.value if detection.how else None,
        "signal": detection.signal,
        "signal_url": detection.signal_url,
        "regression_started_at": _utc(detection.regression_started_at),
        "first_alarm_at": _utc(detection.first_alarm_at),
        "what_we_missed": detection.what_we_missed,
        "alarm_ignored_or_misrouted": detection.alarm_ignored_or_misrouted,
    }


def slice_values(row: SliceImpact) -> dict[str, Any]:
    return {
        "slice": row.slice,
        "metric": row.metric,
        "baseline": row.baseline,
        "incident_value": row.incident_value,
        "users_affected": row.users_affected,
        "higher_is_better": row.higher_is_better,
    }


def root_cause_values(root_cause: RootCause) -> dict[str, Any]:
    return {
        "axes": [finding.model_dump(mode="json") for finding in root_cause.axes],
        "first_axis": root_cause.first_axis.value if root_cause.first_axis else None,
        "why_not_caught": root_cause.why_not_caught.value if root_cause.why_not_caught else None,
        "why_not_caught_text": root_cause.why_not_caught_text,
        "contributing_factors": [factor.value for factor in root_cause.contributing_factors],
        "layer": root_cause.layer.value if root_cause.layer else None,
    }


def row_to_root_cause(row: RootCauseRow) -> RootCause:
    # Validated from plain values so stored strings become the domain's enums again.
    return RootCause.model_validate(
        {
            "axes": [AxisFinding.model_validate(finding) for finding in row.axes],
            "first_axis": row.first_axis,
            "why_not_caught": row.why_not_caught,
            "why_not_caught_text": row.why_not_caught_text,
            "contributing_factors": row.contributing_factors,
            "layer": row.layer,
        }
    )


def action_item_values(item: ActionItem) -> dict[str, Any]:
    record = item.calibration
    return {
        "category": item.category.value,
        "title": item.title,
        "owner_id": item.owner_id,
        "due": item.due,
        "status": item.status.value,
        "artefact_url": item.artefact_url,
        "calibration_labels": record.labels if record else None,
        "calibration_kappa": record.kappa if record else None,
        "calibration_tpr": record.tpr if record else None,
        "calibration_tnr": record.tnr if record else None,
        "calibration_judge_version": record.judge_version if record else None,
        "created_at": to_utc(item.created_at),
        "done_at": _utc(item.done_at),
    }


def row_to_action_item(row: ActionItemRow) -> ActionItem:
    record = None
    if row.calibration_judge_version is not None:
        record = CalibrationRecord(
            labels=row.calibration_labels or 0,
            kappa=row.calibration_kappa or 0.0,
            tpr=row.calibration_tpr or 0.0,
            tnr=row.calibration_tnr or 0.0,
            judge_version=row.calibration_judge_version,
        )
    return ActionItem.model_validate(
        {
            "id": row.id,
            "category": row.category,
            "title": row.title,
            "owner_id": row.owner_id,
            "due": row.due,
            "status": row.status,
            "artefact_url": row.artefact_url,
            "calibration": record,
            "created_at": row.created_at,
            "done_at": row.done_at,
        }
    )


def postmortem_values(postmortem: Postmortem) -> dict[str, Any]:
    return {
        "markdown": postmortem.markdown,
        "data": postmortem.data,
        "flags": [flag.model_dump(mode="json") for flag in postmortem.flags],
        "compiled_at": to_utc(postmortem.compiled_at),
        "template_problem": postmortem.template_problem,
    }


def row_to_postmortem(row: PostmortemRow) -> Postmortem:
    return Postmortem(
        markdown=row.markdown,
        data=row.data,
        flags=[Flag.model_validate(flag) for flag in row.flags],
        compiled_at=row.compiled_at,
        template_problem=row.template_problem,
    )


# -- repositories -------------------------------------------------------------------------------


class SqlAnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_detection(self, *, incident_number: int) -> Detection | None:
        row = await self._session.get(DetectionRow, incident_number)
        return Detection.model_validate(row) if row is not None else None

    async def save_detection(self, *, incident_number: int, detection: Detection) -> None:
        await _replace(self._session, DetectionRow, incident_number, detection_values(detection))

    async def list_slices(self, *, incident_number: int) -> list[SliceImpact]:
        statement = (
            select(SliceImpactRow)
            .where(col(SliceImpactRow.incident_number) == incident_number)
            .order_by(col(SliceImpactRow.id))
        )
        return [SliceImpact.model_validate(row) for row in await self._session.exec(statement)]

    async def add_slice(self, *, incident_number: int, row: SliceImpact) -> SliceImpact:
        stored = SliceImpactRow(incident_number=incident_number, **slice_values(row))
        self._session.add(stored)
        await self._session.flush()
        return SliceImpact.model_validate(stored)

    async def save_slice(self, *, incident_number: int, row: SliceImpact) -> bool:
        stored = await self._own_slice(incident_number, row.id)
        if stored is None:
            return False
        for name, value in slice_values(row).items():
            setattr(stored, name, value)
        await self._session.flush()
        return True

    async def remove_slice(self, *, incident_number: int, slice_id: int) -> bool:
        stored = await self._own_slice(incident_number, slice_id)
        if stored is None:
            return False
        await self._session.delete(stored)
        await self._session.flush()
        return True

    async def _own_slice(self, incident_number: int, slice_id: int | None) -> SliceImpactRow | None:
        # A row id from a modal is only trusted for the incident the modal was opened on.
        if slice_id is None:
            return None
        stored = await self._session.get(SliceImpactRow, slice_id)
        if stored is None or stored.incident_number != incident_number:
            return None
        return stored

    async def get_root_cause(self, *, incident_number: int) -> RootCause | None:
        row = await self._session.get(RootCauseRow, incident_number)
        return row_to_root_cause(row) if row is not None else None

    async def save_root_cause(self, *, incident_number: int, root_cause: RootCause) -> None:
        await _replace(self._session, RootCauseRow, incident_number, root_cause_values(root_cause))

    async def get_resolution(self, *, incident_number: int) -> Resolution | None:
        row = await self._session.get(ResolutionRow, incident_number)
        return Resolution.model_validate(row) if row is not None else None

    async def save_resolution(self, *, incident_number: int, resolution: Resolution) -> None:
        values = {
            "summary": resolution.summary,
            "mitigated_at": _utc(resolution.mitigated_at),
            "exit_criteria_met": list(resolution.exit_criteria_met),
        }
        await _replace(self._session, ResolutionRow, incident_number, values)

    async def get_close_override(self, *, incident_number: int) -> CloseOverride | None:
        row = await self._session.get(CloseOverrideRow, incident_number)
        if row is None:
            return None
        return CloseOverride(by=row.closed_by, at=row.closed_at, flags=row.flags, reason=row.reason)

    async def save_close_override(self, *, incident_number: int, override: CloseOverride) -> None:
        values = {
            "closed_by": override.by,
            "closed_at": to_utc(override.at),
            "flags": list(override.flags),
            "reason": override.reason,
        }
        await _replace(self._session, CloseOverrideRow, incident_number, values)


class SqlActionItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, *, incident_number: int, item: ActionItem) -> ActionItem:
        stored = ActionItemRow(incident_number=incident_number, **action_item_values(item))
        self._session.add(stored)
        await self._session.flush()
        return row_to_action_item(stored)

    async def get(self, *, incident_number: int, item_id: int) -> ActionItem | None:
        stored = await self._own(incident_number, item_id)
        return row_to_action_item(stored) if stored is not None else None

    async def save(self, *, incident_number: int, item: ActionItem) -> None:
        stored = await self._own(incident_number, item.id)
        if stored is None:
            raise LookupError(f"incident #{incident_number} has no action item {item.id}")
        for name, value in action_item_values(item).items():
            setattr(stored, name, value)
        await self._session.flush()

    async def list_for(self, *, incident_number: int) -> list[ActionItem]:
        statement = (
            select(ActionItemRow)
            .where(col(ActionItemRow.incident_number) == incident_number)
            .order_by(col(ActionItemRow.id))
        )
        return [row_to_action_item(row) for row in await self._session.exec(statement)]

    async def open_for_owner(self, *, owner_id: str) -> list[tuple[int, ActionItem]]:
        statement = (
            select(ActionItemRow)
            .where(col(ActionItemRow.owner_id) == owner_id)
            .where(col(ActionItemRow.status) == ActionStatus.OPEN.value)
            .order_by(col(ActionItemRow.incident_number), col(ActionItemRow.id))
        )
        return [
            (row.incident_number, row_to_action_item(row))
            for row in await self._session.exec(statement)
        ]

    async def to_chase(
        self, *, unowned_created_before: datetime, due_before: date
    ) -> list[ItemToChase]:
        unowned = and_(
            col(ActionItemRow.owner_id).is_(None),
            col(ActionItemRow.created_at) <= unowned_created_before,
            col(IncidentRow.status) == Status.OPEN.value,
        )
        overdue = and_(
            col(ActionItemRow.owner_id).is_not(None), col(ActionItemRow.due) < due_before
        )
        statement = (
            select(ActionItemRow, IncidentRow.status, IncidentRow.channel_id)
            .join(IncidentRow, col(IncidentRow.number) == col(ActionItemRow.incident_number))
            .where(col(ActionItemRow.status) == ActionStatus.OPEN.value)
            .where(or_(unowned, overdue))
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

    async def _own(self, incident_number: int, item_id: int | None) -> ActionItemRow | None:
        if item_id is None:
            return None
        stored = await self._session.get(ActionItemRow, item_id, with_for_update=True)
        if stored is None or stored.incident_number != incident_number:
            return None
        return stored


class SqlPostmortemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, *, incident_number: int) -> Postmortem | None:
        row = await self._session.get(PostmortemRow, incident_number)
        return row_to_postmortem(row) if row is not None else None

    async def save(self, *, incident_number: int, postmortem: Postmortem) -> None:
        await _replace(self._session, PostmortemRow, incident_number, postmortem_values(postmortem))
