"""The incident lifecycle's handlers, called directly."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import AsyncMock

from bot.core.incidents.chat_message import SlackMessage
from bot.slack.forms import declare, pick_incident, update
from bot.slack.ids import CallbackId
from bot.slack.listeners.incidents import actions, events, views
from tests.slack.listeners.listener_support import (
    USER,
    Recorder,
    an_incident,
    context_for,
    fake_deps,
    submitted,
)


async def test_an_empty_update_is_answered_inside_the_modal() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    view = submitted(update.build(an_incident()), {"update_text": None})
    ack = AsyncMock()

    await views.on_update(ack, {"user": USER}, context_for(deps, view))

    ack.assert_awaited_once_with(
        response_action="errors", errors={"update_text": "Write the update."}
    )
    assert recorder.calls == []


async def test_an_update_is_acknowledged_before_it_is_posted() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    view = submitted(update.build(an_incident()), {"update_text": "Rolled back; watching."})

    await views.on_update(recorder.mock("ack"), {"user": USER}, context_for(deps, view))

    assert recorder.calls == ["ack", "post_update"]
    deps.incidents.post_update.assert_awaited_once_with(
        channel_id="C_INC7", text="Rolled back; watching.", actor="U_ANA"
    )


NOTE = SlackMessage(
    channel_id="C_GENERAL", ts="1715600000.000100", author_id="U_BO", text="refusals again"
)


async def test_a_message_without_a_picked_incident_is_answered_inside_the_modal() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    deps.incidents.get = recorder.mock("get", an_incident())
    view = submitted(pick_incident.build([an_incident()], message=NOTE))
    ack = AsyncMock()

    await views.on_pick_incident(ack, {"user": USER}, AsyncMock(), context_for(deps, view))

    ack.assert_awaited_once_with(response_action="errors", errors={"pick_incident": "Pick one."})
    assert recorder.calls == []


async def test_a_picked_incident_gets_the_message_the_shortcut_carried() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    deps.incidents.get_for = recorder.mock("get_for", an_incident())
    deps.incidents.add_message = recorder.mock("add_message", True)
    view = submitted(pick_incident.build([an_incident()], message=NOTE), {"pick_incident": "7"})

    await views.on_pick_incident(
        recorder.mock("ack"), {"user": USER}, AsyncMock(), context_for(deps, view)
    )

    assert recorder.calls == ["ack", "get_for", "add_message"]
    deps.incidents.get_for.assert_awaited_once_with(7, viewer=USER["id"])
    assert deps.incidents.add_message.await_args.kwargs["message"] == NOTE


async def test_the_card_button_opens_the_modal_before_it_reads_the_incident() -> None:
    # The trigger lives 3 s; a read under load may take longer. Open first, fill after.
    recorder = Recorder()
    deps = fake_deps(recorder)
    deps.incidents.get = recorder.mock("get", an_incident())
    client = AsyncMock()
    client.views_open = recorder.mock("views_open", {"view": {"id": "V1"}})
    client.views_update = recorder.mock("views_update")
    body = {"user": USER, "trigger_id": "T1", "actions": [{"value": "7"}]}

    await actions.on_post_update(recorder.mock("ack"), body, client, context_for(deps))

    assert recorder.calls == ["ack", "views_open", "get", "views_update"]
    assert client.views_open.await_args.kwargs["trigger_id"] == "T1"
    filled = client.views_update.await_args.kwargs
    assert filled["view_id"] == "V1"
    assert filled["view"].callback_id == CallbackId.UPDATE_MODAL


async def test_a_reaction_other_than_the_pin_emoji_records_nothing() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    deps.settings.pin_emoji = "pushpin"
    deps.incidents.pin_from_reaction = recorder.mock("pin")
    event = {"reaction": "eyes", "user": "U_ANA", "item": {"type": "message"}}

    await events.on_reaction_added(event, {}, context_for(deps))

    assert recorder.calls == []


async def test_a_declaration_is_checked_by_the_core_and_answered_under_each_input() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    deps.runbooks = {"default"}  # the catalogue lost the runbook the form offered
    deps.incidents.declare = recorder.mock("declare")
    built = declare.build(
        origin_channel_id="C_GENERAL", runbooks=[("default", "Default"), ("legal", "Legal RAG")]
    )
    view = submitted(
        built,
        {
            "severity": "S1",
            "category": "silent_drift",
            "regression_started_at": datetime(2024, 5, 20, tzinfo=UTC),
            "runbook": "legal",
        },
    )
    ack = AsyncMock()

    await views.on_declare(ack, {"user": USER}, view, AsyncMock(), context_for(deps, view))

    ack.assert_awaited_once_with(
        response_action="errors",
        errors={
            "title": "Give the incident a title (at most 150 characters).",
            "regression_started_at": "The regression cannot start in the future.",
            "runbook": "That runbook no longer exists; pick another.",
        },
    )
    assert recorder.calls == []
