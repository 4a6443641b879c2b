"""Walking the runbook: the first phase starts with the incident, ticks are kept and shown,
open required items refuse a move unless it is forced (and the override is recorded), the last
exit criterion marks the incident mitigated, and a lever is recorded with its trade-off."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidInput
from bot.core.runbooks.model import RunbookPhase
from bot.core.timeline import TimelineKind
from tests.core.assembly import ALICE, BOB, Core, shipped_runbooks


def phase(name: str) -> RunbookPhase:
    return shipped_runbooks().get("default").phase(name)


async def test_the_incident_enters_the_first_phase_once_and_its_checklist_is_posted() -> None:
    core = Core()
    incident = await core.declare()
    [run] = await core.phases.runs(1)
    assert (run.phase, run.entered_by, run.started_at) == ("triage", ALICE, core.clock.now())
    [posted] = core.slack.called("post_checklist")
    assert posted["view"].phase.name == "triage"
    assert run.checklist_ts is not None  # so later ticks edit that message
    await core.projector.drain()  # a second sweep finds nothing to redo
    assert len(await core.phases.runs(incident.number or 0)) == 1
    assert len(core.slack.called("post_checklist")) == 1


async def test_a_tick_is_kept_with_who_and_when_and_the_checklist_edited() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    item = phase("triage").required_items[0]
    core.slack.forget()
    view = await core.phases.toggle(
        channel_id=channel, phase="triage", entry_id=item.id, done=True, actor=BOB
    )
    assert view.is_done(item.id) and item not in view.open_required
    state = view.entries[item.id]
    assert (state.by, state.at) == (BOB, core.clock.now())
    assert core.slack.methods() == ["update_checklist", "update_card"]
    assert core.storage.timeline(1)[-1].details["item"] == item.id


async def test_open_required_items_refuse_the_next_phase_and_store_nothing() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    outcome = await core.phases.advance(channel_id=channel, target=None, actor=BOB)
    assert not outcome.advanced and outcome.target == "scope"
    assert outcome.open_items == phase("triage").required_items
    assert core.storage.incident(1).phase == "triage"
    assert len(await core.phases.runs(1)) == 1


async def test_ticking_every_required_item_lets_the_incident_move_on() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    for item in phase("triage").required_items:
        await core.phases.toggle(
            channel_id=channel, phase="triage", entry_id=item.id, done=True, actor=BOB
        )
    core.clock.advance(minutes=12)
    outcome = await core.phases.advance(channel_id=channel, target=None, actor=BOB)
    assert outcome.advanced and outcome.open_items == []
    assert core.storage.incident(1).phase == "scope"
    left, entered = await core.phases.runs(1)
    assert left.ended_at == entered.started_at == core.clock.now()
    assert left.left_by_override is None
    assert [c["view"].phase.name for c in core.slack.called("post_checklist")][-1] == "scope"


async def test_a_forced_move_records_who_pushed_past_which_items() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    outcome = await core.phases.advance(
        channel_id=channel, target="mitigate", actor=ALICE, force=True
    )
    assert outcome.advanced and outcome.target == "mitigate"
    left, _ = await core.phases.runs(1)
    assert left.left_by_override == ALICE
    moved = core.storage.timeline(1)[-1]
    assert moved.kind is TimelineKind.PHASE and moved.details["override"] is True
    assert moved.details["open_items"] == [i.id for i in phase("triage").required_items]


async def test_moving_to_the_phase_the_incident_is_in_is_refused() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    with pytest.raises(InvalidInput):
        await core.phases.advance(channel_id=channel, target="triage", actor=BOB)


async def test_confirming_every_exit_criterion_marks_the_incident_mitigated_and_back() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    await core.phases.advance(channel_id=channel, target="mitigate", actor=ALICE, force=True)
    criteria = phase("mitigate").exit_criteria
    assert criteria
    for criterion in criteria:
        await core.phases.toggle(
            channel_id=channel, phase="mitigate", entry_id=criterion.id, done=True, actor=ALICE
        )
    assert core.storage.incident(1).mitigated_at == core.clock.now()
    await core.phases.toggle(
        channel_id=channel, phase="mitigate", entry_id=criteria[0].id, done=False, actor=ALICE
    )
    assert core.storage.incident(1).mitigated_at is None
    mitigation = [e for e in core.storage.timeline(1) if e.kind is TimelineKind.MITIGATION]
    assert [e.details["event"] for e in mitigation] == ["mitigated", "unmitigated"]


async def test_a_lever_is_recorded_with_who_authorized_it_and_what_it_costs() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    lever = phase("scope").levers[0]
    core.slack.forget()
    await core.phases.pull_lever(
        incident_number=1,
        phase="scope",
        lever_id=lever.id,
        authorized_by=ALICE,
        trade_off="  Refund questions go to humans for a day ",
        actor=BOB,
    )
    pulled = core.storage.timeline(1)[-1]
    assert pulled.kind is TimelineKind.STABILIZATION
    assert pulled.details == {
        "lever": lever.id,
        "phase": "scope",
        "authorized_by": ALICE,
        "trade_off": "Refund questions go to humans for a day",
        "user_ids": [ALICE],
    }
    assert core.slack.notices_in(channel) == 1


async def test_a_lever_without_its_trade_off_is_refused() -> None:
    core = Core()
    await core.declare()
    lines = len(core.storage.timeline(1))
    with pytest.raises(InvalidInput):
        await core.phases.pull_lever(
            incident_number=1,
            phase="scope",
            lever_id=phase("scope").levers[0].id,
            authorized_by=ALICE,
            trade_off="   ",
            actor=BOB,
        )
    assert len(core.storage.timeline(1)) == lines
