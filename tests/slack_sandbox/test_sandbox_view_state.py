"""submit_view turns python values into Slack's view state, element by element, and applies the
app's answer (close, field errors, update) the way Slack's client does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
import pytest

from slack_sandbox import ScriptedSlack, SubmissionBlocked
from tests.slack_sandbox.sandbox_support import (
    SIGNING_SECRET,
    RecordingApp,
    Sandbox,
    input_block,
    modal,
    option,
    served_sandbox,
    text_input,
)

SEVERITIES = [option("S1", "S1 — critical"), option("S2"), option("S3")]
AXES = [option("model"), option("prompt"), option("judge"), option("data")]

EVERY_ELEMENT = modal(
    text_input("title", "title"),
    input_block("link", {"type": "url_text_input", "action_id": "link"}, optional=True),
    input_block("email", {"type": "email_text_input", "action_id": "email"}, optional=True),
    input_block(
        "labels", {"type": "number_input", "action_id": "labels", "is_decimal_allowed": False}
    ),
    input_block(
        "severity",
        {"type": "static_select", "action_id": "severity", "options": SEVERITIES},
    ),
    input_block("first_axis", {"type": "radio_buttons", "action_id": "first", "options": AXES}),
    input_block("axes", {"type": "multi_static_select", "action_id": "axes", "options": AXES}),
    input_block(
        "flags", {"type": "checkboxes", "action_id": "flags", "options": AXES}, optional=True
    ),
    input_block("owner", {"type": "users_select", "action_id": "owner"}),
    input_block("watchers", {"type": "multi_users_select", "action_id": "watchers"}),
    input_block("where", {"type": "conversations_select", "action_id": "where"}, optional=True),
    input_block("channel", {"type": "channels_select", "action_id": "channel"}, optional=True),
    input_block("due", {"type": "datepicker", "action_id": "due"}),
    input_block("at", {"type": "timepicker", "action_id": "at"}, optional=True),
    input_block("started", {"type": "datetimepicker", "action_id": "started"}),
)


@dataclass
class Rig:
    sandbox: Sandbox
    app: RecordingApp
    slack: ScriptedSlack

    async def open(self, view: dict[str, Any], user: str = "U0ALICE") -> str:
        trigger = self.sandbox.emulator.mint_trigger_id(user=user)
        opened = await self.sandbox.web().views_open(trigger_id=trigger, view=view)
        view_id = opened["view"]["id"]
        assert isinstance(view_id, str)
        return view_id

    def submitted_state(self) -> dict[str, Any]:
        payload = self.app.last.payload
        assert payload["type"] == "view_submission"
        values = payload["view"]["state"]["values"]
        assert isinstance(values, dict)
        return values


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


@pytest.fixture
async def rig(sandbox: Sandbox) -> AsyncIterator[Rig]:
    app = RecordingApp()
    transport = httpx.ASGITransport(app=app.asgi())
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as http:
        slack = ScriptedSlack(http, signing_secret=SIGNING_SECRET, emulator=sandbox.emulator)
        yield Rig(sandbox, app, slack)


REQUIRED: dict[str, Any] = {
    "title": "Refusals spiked",
    "labels": 24,
    "severity": "S1",
    "first": "prompt",
    "axes": ["prompt", "model"],
    "owner": "U0BOB",
    "watchers": ["U0ALICE", "U0CAROL"],
    "due": date(2025, 7, 1),
    "started": datetime(2025, 6, 30, 8, 15, tzinfo=UTC),
}


async def test_each_element_type_gets_slacks_state_shape(rig: Rig) -> None:
    view_id = await rig.open(EVERY_ELEMENT)
    await rig.slack.submit_view(
        view_id,
        {
            **REQUIRED,
            "link": "https://traces.example/abc",
            "email": "oncall@example.com",
            "flags": ["judge"],
            "where": "C000000001",
            "channel": "C000000001",
            "at": time(9, 30),
        },
        user="U0ALICE",
    )
    state = rig.submitted_state()
    assert state["title"]["title"] == {"type": "plain_text_input", "value": "Refusals spiked"}
    assert state["link"]["link"]["value"] == "https://traces.example/abc"
    assert state["email"]["email"] == {"type": "email_text_input", "value": "oncall@example.com"}
    assert state["labels"]["labels"] == {"type": "number_input", "value": "24"}
    assert state["severity"]["severity"]["selected_option"] == SEVERITIES[0]
    assert state["first_axis"]["first"] == {"type": "radio_buttons", "selected_option": AXES[1]}
    assert state["axes"]["axes"]["selected_options"] == [AXES[1], AXES[0]]
    assert state["flags"]["flags"] == {"type": "checkboxes", "selected_options": [AXES[2]]}
    assert state["owner"]["owner"] == {"type": "users_select", "selected_user": "U0BOB"}
    assert state["watchers"]["watchers"]["selected_users"] == ["U0ALICE", "U0CAROL"]
    assert state["where"]["where"]["selected_conversation"] == "C000000001"
    assert state["channel"]["channel"]["selected_channel"] == "C000000001"
    assert state["due"]["due"] == {"type": "datepicker", "selected_date": "2025-07-01"}
    assert state["at"]["at"] == {"type": "timepicker", "selected_time": "09:30"}
    assert state["started"]["started"] == {
        "type": "datetimepicker",
        "selected_date_time": 1751271300,
    }


async def test_inputs_left_alone_are_sent_empty_or_with_their_initial_value(rig: Rig) -> None:
    view = modal(
        text_input("title", "title", initial_value="Prefilled title"),
        input_block(
            "severity",
            {
                "type": "static_select",
                "action_id": "severity",
                "options": SEVERITIES,
                "initial_option": SEVERITIES[1],
            },
        ),
        input_block("note", {"type": "plain_text_input", "action_id": "note"}, optional=True),
        input_block(
            "axes", {"type": "checkboxes", "action_id": "axes", "options": AXES}, optional=True
        ),
        input_block("who", {"type": "users_select", "action_id": "who"}, optional=True),
    )
    view_id = await rig.open(view)
    await rig.slack.submit_view(view_id, {}, user="U0ALICE")
    state = rig.submitted_state()
    assert state["title"]["title"]["value"] == "Prefilled title"
    assert state["severity"]["severity"]["selected_option"] == SEVERITIES[1]
    assert state["note"]["note"] == {"type": "plain_text_input", "value": None}
    assert state["axes"]["axes"] == {"type": "checkboxes", "selected_options": []}
    assert state["who"]["who"] == {"type": "users_select", "selected_user": None}


async def test_nested_values_address_one_block_when_action_ids_repeat(rig: Rig) -> None:
    view = modal(text_input("model_what", "what"), text_input("prompt_what", "what"))
    view_id = await rig.open(view)
    with pytest.raises(LookupError, match="ambiguous"):
        await rig.slack.submit_view(view_id, {"what": "v41 rollback"}, user="U0ALICE")
    await rig.slack.submit_view(
        view_id,
        {"model_what": {"what": "gpt pin"}, "prompt_what": {"what": "v41 rollback"}},
        user="U0ALICE",
    )
    state = rig.submitted_state()
    assert state["model_what"]["what"]["value"] == "gpt pin"
    assert state["prompt_what"]["what"]["value"] == "v41 rollback"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({**REQUIRED, "title": ""}, "required input"),
        ({k: v for k, v in REQUIRED.items() if k != "owner"}, "required input"),
        ({**REQUIRED, "severity": "S9"}, "not an option"),
        ({**REQUIRED, "labels": "twenty"}, "not a number"),
        ({**REQUIRED, "labels": "2.5"}, "whole numbers"),
    ],
)
async def test_what_slacks_client_refuses_is_never_sent(
    rig: Rig, values: dict[str, Any], reason: str
) -> None:
    view_id = await rig.open(EVERY_ELEMENT)
    with pytest.raises(SubmissionBlocked, match=reason):
        await rig.slack.submit_view(view_id, values, user="U0ALICE")
    assert rig.app.received == []
    assert rig.sandbox.emulator.view(view_id).is_open


async def test_an_unknown_input_is_a_test_mistake_not_a_silent_skip(rig: Rig) -> None:
    view_id = await rig.open(EVERY_ELEMENT)
    with pytest.raises(LookupError, match="severty"):
        await rig.slack.submit_view(view_id, {**REQUIRED, "severty": "S1"}, user="U0ALICE")


async def test_a_bare_ack_closes_the_modal_and_keeps_what_was_submitted(rig: Rig) -> None:
    view_id = await rig.open(EVERY_ELEMENT)
    await rig.slack.submit_view(view_id, REQUIRED, user="U0ALICE")
    view = rig.sandbox.emulator.view(view_id)
    assert not view.is_open
    assert view.state["severity"]["severity"]["selected_option"]["value"] == "S1"
    payload = rig.app.last.payload
    assert (payload["view"]["callback_id"], payload["view"]["hash"]) == ("declare", view.hash)
    transcript = rig.sandbox.emulator.transcript()
    assert '>> alice submitted "Declare incident":' in transcript
    assert "Severity: S1 — critical" in transcript
    assert "Owner: @bob" in transcript


async def test_field_errors_keep_the_modal_open(rig: Rig) -> None:
    view_id = await rig.open(EVERY_ELEMENT)
    rig.app.answer = {
        "response_action": "errors",
        "errors": {"started": "The regression cannot start in the future"},
    }
    await rig.slack.submit_view(view_id, REQUIRED, user="U0ALICE")
    view = rig.sandbox.emulator.view(view_id)
    assert view.is_open
    assert view.errors == {"started": "The regression cannot start in the future"}
    assert rig.sandbox.emulator.rejections == []


async def test_errors_for_a_block_that_is_not_an_input_are_a_rejection(rig: Rig) -> None:
    view_id = await rig.open(EVERY_ELEMENT)
    rig.app.answer = {"response_action": "errors", "errors": {"start_time": "bad"}}
    await rig.slack.submit_view(view_id, REQUIRED, user="U0ALICE")
    [rejection] = rig.sandbox.emulator.rejections
    assert rejection.method == "view_submission"
    assert "start_time" in rejection.messages[0]


async def test_response_action_update_replaces_the_modal(rig: Rig) -> None:
    view_id = await rig.open(EVERY_ELEMENT)
    done = modal(
        {"type": "section", "text": {"type": "mrkdwn", "text": "Incident 5 is open"}},
        title={"type": "plain_text", "text": "Declared"},
    )
    del done["submit"]
    rig.app.answer = {"response_action": "update", "view": done}
    await rig.slack.submit_view(view_id, REQUIRED, user="U0ALICE")
    view = rig.sandbox.emulator.view(view_id)
    assert view.is_open and view.title == "Declared" and view.update_count == 1


async def test_closing_tells_the_app_only_when_the_view_asked(rig: Rig) -> None:
    quiet = await rig.open(modal(text_input("title", "title")))
    assert await rig.slack.close_view(quiet, "U0ALICE") is None
    noisy = await rig.open(modal(text_input("title", "title"), notify_on_close=True))
    response = await rig.slack.close_view(noisy, "U0ALICE")
    assert response is not None
    payload = rig.app.last.payload
    assert (payload["type"], payload["view"]["id"]) == ("view_closed", noisy)
    assert rig.sandbox.emulator.open_views() == []
    with pytest.raises(LookupError, match="closed"):
        await rig.slack.submit_view(noisy, {"title": "late"}, user="U0ALICE")
