"""The postmortem's handlers, called directly: bad input is answered inside the modal with
nothing stored, good input is acknowledged before any work."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import AsyncMock

from bot.core.postmortem.flags import Flag
from bot.core.postmortem.forms import DetectionInput
from bot.core.postmortem.reader import Analysis
from bot.slack.forms import close, detection
from bot.slack.listeners.postmortem import actions, views
from tests.slack.listeners.listener_support import (
    USER,
    Recorder,
    an_incident,
    answer,
    context_for,
    fake_deps,
    submitted,
)


async def test_a_detection_starting_in_the_future_is_answered_under_its_input() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    view = submitted(
        detection.build(Analysis(incident=an_incident())),
        {"detection.regression_started_at": datetime(2024, 5, 20, tzinfo=UTC)},
    )
    ack = AsyncMock()

    await views.on_detection(ack, {"user": USER}, view, context_for(deps, view))

    ack.assert_awaited_once_with(
        response_action="errors",
        errors={"detection.regression_started_at": "The regression start can't be in the future."},
    )
    assert recorder.calls == []


async def test_a_good_detection_is_acknowledged_before_it_is_stored() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    view = submitted(
        detection.build(Analysis(incident=an_incident())), {"detection.signal": "refusals"}
    )
    ack = recorder.mock("ack")

    await views.on_detection(ack, {"user": USER}, view, context_for(deps, view))

    assert recorder.calls == ["ack", "record_detection"]
    stored = deps.records.record_detection.await_args.kwargs
    assert stored["number"] == 7 and stored["actor"] == "U_ANA"
    assert isinstance(stored["form"], DetectionInput) and stored["form"].signal == "refusals"


async def test_closing_with_blocking_flags_needs_close_anyway_and_a_summary() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    flag = Flag(
        code="no_root_cause_axis",
        title="No root-cause axis",
        detail="Say which axis moved.",
        blocking=True,
        where="root_cause.axes",
    )
    view = submitted(close.build(Analysis(incident=an_incident()), [flag], exit_criteria=[]))
    ack = AsyncMock()

    await views.on_close(ack, {"user": USER}, view, context_for(deps, view))

    errors = answer(ack)["errors"]
    assert set(errors) == {"close.summary", "close.close_anyway"}
    assert "No root-cause axis" in errors["close.close_anyway"]
    assert recorder.calls == []


async def test_taking_an_item_is_acknowledged_before_it_is_assigned() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    body = {"user": USER, "actions": [{"value": "7:4"}], "container": {}}

    await actions.on_item_take(recorder.mock("ack"), body, AsyncMock(), context_for(deps))

    assert recorder.calls[:2] == ["ack", "take_action"]
    deps.action_items.take_action.assert_awaited_once_with(number=7, item_id=4, actor="U_ANA")
