"""The runbook's handlers (checklist, levers), called directly."""

from __future__ import annotations

from unittest.mock import AsyncMock

from bot.core.errors import NotAnIncidentChannel
from bot.core.runbooks.model import StabilizationLever
from bot.slack.forms import lever
from bot.slack.listeners.runbooks import actions, views
from bot.slack.messages.runbooks import entry_block_id, lever_block_id
from tests.slack.listeners.listener_support import (
    USER,
    Recorder,
    an_incident,
    answer,
    context_for,
    fake_deps,
    submitted,
)

LEVER = StabilizationLever(
    id="rollback-model",
    title="Roll back the model",
    description="Route traffic to the previous model version.",
    trade_off_prompt="What do users lose while on the old model?",
)


async def test_a_lever_without_who_and_trade_off_is_answered_inside_the_modal() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    view = submitted(lever.build(an_incident(), phase="mitigate", lever=LEVER))
    ack = AsyncMock()

    await views.on_lever(ack, {"user": USER}, context_for(deps, view))

    assert answer(ack) == {
        "response_action": "errors",
        "errors": {
            "lever_authorized_by": "Who authorized pulling this lever?",
            "lever_trade_off": "Say what it costs (quality, cost, users).",
        },
    }
    assert recorder.calls == []


async def test_a_pulled_lever_is_acknowledged_before_it_is_recorded() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    view = submitted(
        lever.build(an_incident(), phase="mitigate", lever=LEVER),
        {"lever_authorized_by": "U_LEAD", "lever_trade_off": "Older answers for a day."},
    )

    await views.on_lever(recorder.mock("ack"), {"user": USER}, context_for(deps, view))

    assert recorder.calls == ["ack", "pull_lever"]
    deps.phases.pull_lever.assert_awaited_once_with(
        incident_number=7,
        phase="mitigate",
        lever_id="rollback-model",
        authorized_by="U_LEAD",
        trade_off="Older answers for a day.",
        actor="U_ANA",
    )


async def test_ticking_a_checklist_item_is_acknowledged_before_it_is_recorded() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    action = {"block_id": entry_block_id("triage", "confirm"), "selected_options": []}
    body = {"user": USER, "channel": {"id": "C_INC7"}}

    await actions.on_toggle(recorder.mock("ack"), body, action, context_for(deps))

    assert recorder.calls == ["ack", "toggle"]
    assert deps.phases.toggle.await_args.kwargs["entry_id"] == "confirm"


async def test_the_lever_select_opens_the_modal_before_it_reads_the_checklist() -> None:
    # The trigger lives 3 s; under load the read may take longer. Open first, fill after.
    recorder = Recorder()
    deps = fake_deps(recorder)

    async def refused(channel_id: str) -> None:
        recorder.calls.append("checklist")
        raise NotAnIncidentChannel()

    deps.phases.checklist = refused
    client = AsyncMock()
    client.views_open = recorder.mock("views_open", {"view": {"id": "V1"}})
    client.views_update = recorder.mock("views_update")
    body = {"user": USER, "trigger_id": "T1", "channel": {"id": "C_INC7"}}
    action = {"block_id": lever_block_id("mitigate"), "selected_option": {"value": "x"}}

    await actions.on_lever(recorder.mock("ack"), body, action, client, context_for(deps))

    assert recorder.calls == ["ack", "views_open", "checklist", "views_update"]
    assert client.views_open.await_args.kwargs["trigger_id"] == "T1"
    # What the read refused is said in the modal that is already open.
    filled = client.views_update.await_args.kwargs
    assert filled["view_id"] == "V1"
    assert "works inside an incident channel" in filled["view"].blocks[0].text.text
