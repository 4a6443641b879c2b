"""The postmortem's records come back as they were recorded, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

from bot.core.incidents.model import HowDetected, Incident
from bot.core.postmortem import CloseOverride, compile_postmortem
from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    ActionStatus,
    AxisFinding,
    CalibrationRecord,
    ContributingFactor,
    Detection,
    Layer,
    Resolution,
    RootCause,
    SliceImpact,
    WhyNotCaught,
)
from bot.core.postmortem.draft import PostmortemInput
from bot.core.timeline import Axis
from storage.unit_of_work import SqlUnitOfWorkFactory

IncidentBuilder = Callable[..., Incident]
TOKYO = timezone(timedelta(hours=9))
T0 = datetime(2025, 6, 3, 8, 0, tzinfo=UTC)


async def _incident(uow_factory: SqlUnitOfWorkFactory, build: IncidentBuilder) -> Incident:
    async with uow_factory() as uow:
        return await uow.incidents.add(incident=build())


async def test_detection_is_stored_once_per_incident_and_replaced_whole(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = (await _incident(uow_factory, new_incident)).number or 0
    first = Detection(
        how=HowDetected.USER_REPORT,
        signal="Partner escalation",
        signal_url="https://support.example.com/t/4471",
        regression_started_at=datetime(2025, 6, 1, 17, 0, tzinfo=TOKYO),
        first_alarm_at=T0,
        what_we_missed="Retrieval relevance was not monitored.",
        alarm_ignored_or_misrouted="The drift alarm paged the search rotation.",
    )
    async with uow_factory() as uow:
        assert await uow.analysis.get_detection(incident_number=number) is None
        await uow.analysis.save_detection(incident_number=number, detection=first)
    async with uow_factory() as uow:
        stored = await uow.analysis.get_detection(incident_number=number)
    assert stored == first
    assert stored is not None and stored.regression_started_at == datetime(
        2025, 6, 1, 8, 0, tzinfo=UTC
    )
    assert stored.time_to_detect == timedelta(days=2)

    second = Detection(how=HowDetected.DASHBOARD_ALERT)
    async with uow_factory() as uow:
        await uow.analysis.save_detection(incident_number=number, detection=second)
    async with uow_factory() as uow:
        assert await uow.analysis.get_detection(incident_number=number) == second


async def test_scope_rows_are_added_edited_and_removed_per_incident(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = (await _incident(uow_factory, new_incident)).number or 0
    other = (await _incident(uow_factory, new_incident)).number or 0
    async with uow_factory() as uow:
        first = await uow.analysis.add_slice(
            incident_number=number,
            row=SliceImpact(
                slice="new filings", metric="citation accuracy (%)", baseline=97, incident_value=61
            ),
        )
        second = await uow.analysis.add_slice(
            incident_number=number,
            row=SliceImpact(
                slice="escalations",
                metric="escalation rate",
                baseline=0.1,
                incident_value=1.0,
                users_affected=5400,
                higher_is_better=False,
            ),
        )
    assert first.id is not None and second.id is not None

    edited = first.model_copy(update={"incident_value": 55.5, "users_affected": 212})
    async with uow_factory() as uow:
        assert await uow.analysis.save_slice(incident_number=number, row=edited)
        # A row id is only honoured for the incident it belongs to.
        assert not await uow.analysis.save_slice(incident_number=other, row=edited)
        assert not await uow.analysis.remove_slice(incident_number=other, slice_id=second.id)
    async with uow_factory() as uow:
        rows = await uow.analysis.list_slices(incident_number=number)
    assert rows == [edited, second]
    assert rows[1].regressed and rows[1].higher_is_better is False

    async with uow_factory() as uow:
        assert await uow.analysis.remove_slice(incident_number=number, slice_id=first.id)
        assert not await uow.analysis.remove_slice(incident_number=number, slice_id=first.id)
    async with uow_factory() as uow:
        assert await uow.analysis.list_slices(incident_number=number) == [second]
        assert await uow.analysis.list_slices(incident_number=other) == []


async def test_root_cause_keeps_every_axis_with_its_evidence(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = (await _incident(uow_factory, new_incident)).number or 0
    root = RootCause(
        axes=[
            AxisFinding(
                axis=Axis.DATA,
                what_changed="14,000 filings added, index not rebuilt",
                evidence_url="https://git.example.com/mr/318",
            ),
            AxisFinding(
                axis=Axis.JUDGE,
                what_changed="Judge v7 rolled out",
                evidence_url="https://git.example.com/mr/320",
            ),
        ],
        first_axis=Axis.DATA,
        why_not_caught=WhyNotCaught.OTHER,
        why_not_caught_text="No retrieval metric.",
        contributing_factors=[
            ContributingFactor.OBSERVABILITY_GAP,
            ContributingFactor.DATA_FRAGILITY,
        ],
        layer=Layer.DATA,
    )
    async with uow_factory() as uow:
        await uow.analysis.save_root_cause(incident_number=number, root_cause=root)
    async with uow_factory() as uow:
        assert await uow.analysis.get_root_cause(incident_number=number) == root

    narrower = RootCause(axes=[root.axes[0]], first_axis=Axis.DATA)
    async with uow_factory() as uow:
        await uow.analysis.save_root_cause(incident_number=number, root_cause=narrower)
    async with uow_factory() as uow:
        assert await uow.analysis.get_root_cause(incident_number=number) == narrower


async def test_action_items_keep_calibration_record_status_and_order(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    number = (await _incident(uow_factory, new_incident)).number or 0
    other = (await _incident(uow_factory, new_incident)).number or 0
    unowned = ActionItem(
        category=ActionCategory.EVAL_SET,
        title="Add 50 legal question pairs as regression cases",
        created_at=T0,
    )
    calibration = ActionItem(
        category=ActionCategory.CALIBRATION,
        title="Calibrate the citation judge",
        owner_id="U0CAROL",
        due=date(2025, 7, 1),
        calibration=CalibrationRecord(
            labels=40, kappa=-0.25, tpr=0.9, tnr=0.85, judge_version="judge-v7"
        ),
        created_at=datetime(2025, 6, 3, 18, 0, tzinfo=TOKYO),
    )
    async with uow_factory() as uow:
        first = await uow.action_items.add(incident_number=number, item=unowned)
        second = await uow.action_items.add(incident_number=number, item=calibration)
    assert first.id is not None and second.id is not None
    assert second.created_at == datetime(2025, 6, 3, 9, 0, tzinfo=UTC)

    done = first.model_copy(
        update={
            "owner_id": "U0BOB",
            "status": ActionStatus.DONE,
            "artefact_url": "https://git.example.com/evals/commit/9f1c2ab",
            "done_at": T0 + timedelta(days=1),
        }
    )
    async with uow_factory() as uow:
        await uow.action_items.save(incident_number=number, item=done)
        assert await uow.action_items.get(incident_number=other, item_id=first.id) is None
    async with uow_factory() as uow:
        assert await uow.action_items.list_for(incident_number=number) == [done, second]
        assert await uow.action_items.get(incident_number=number, item_id=second.id) == second
        assert await uow.action_items.list_for(incident_number=other) == []


async def test_resolution_override_and_compiled_postmortem_round_trip(
    uow_factory: SqlUnitOfWorkFactory, new_incident: IncidentBuilder
) -> None:
    incident = await _incident(uow_factory, new_incident)
    number = incident.number or 0
    resolution = Resolution(
        summary="Re-indexed the corpus.",
        mitigated_at=T0 + timedelta(hours=5),
        exit_criteria_met=["Golden-prompt pass rate restored"],
    )
    override = CloseOverride(
        by="U0ALICE", at=T0 + timedelta(days=2), flags=["no_eval_set_action"], reason="Retro Fri"
    )
    postmortem = compile_postmortem(
        PostmortemInput(incident=incident, resolution=resolution, close_override=override),
        now=T0 + timedelta(days=2),
    )
    async with uow_factory() as uow:
        assert await uow.postmortems.get(incident_number=number) is None
        await uow.analysis.save_resolution(incident_number=number, resolution=resolution)
        await uow.analysis.save_close_override(incident_number=number, override=override)
        await uow.postmortems.save(incident_number=number, postmortem=postmortem)
    async with uow_factory() as uow:
        assert await uow.analysis.get_resolution(incident_number=number) == resolution
        assert await uow.analysis.get_close_override(incident_number=number) == override
        stored = await uow.postmortems.get(incident_number=number)
    assert stored == postmortem
    assert stored is not None and any(flag.blocking for flag in stored.flags)
