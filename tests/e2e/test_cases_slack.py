"""Regression cases captured in Slack: by the message shortcut (in the incident channel, or
from another one through the incident picker), by `/ai-incident case`; listed, edited and
removed from `/ai-incident cases`; each new case announced in the incident channel once."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.core.cases.model import CaseSource, Expectation, RegressionCase, Risk
from bot.core.incidents.model import Incident
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId, CallbackId
from slack_sandbox.state import ViewRecord
from tests.rig import Declare

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
QUERY = "Which filings changed section 12 in January? <@U0CAROL> &amp; the index"
PLAIN_QUERY = "Which filings changed section 12 in January? @U0CAROL & the index"


async def stored(rig: Rehearsal, incident: Incident) -> list[RegressionCase]:
    return [view.case for view in await rig.runtime.deps.cases.list(incident.number or 0)]


def captured_notices(rig: Rehearsal, incident: Incident) -> list[str]:
    assert incident.channel_id
    return [
        m.text
        for m in rig.emulator.messages(incident.channel_id)
        if m.text and "added regression case" in m.text
    ]


def top_view(rig: Rehearsal, user: str) -> ViewRecord:
    return rig.emulator.open_views(user)[-1]


async def submit(rig: Rehearsal, view: ViewRecord, values: dict[str, Any], *, user: str) -> Any:
    response = await rig.slack.submit_view(view.id, values, user=user)
    await rig.slack.settle()
    assert response.status_code == 200
    return response.json() if response.content else None


async def command(rig: Rehearsal, text: str, *, user: str, channel: str) -> ViewRecord:
    await rig.slack.slash(text, user=user, channel=channel)
    await rig.slack.settle()
    return top_view(rig, user)


async def test_the_shortcut_in_the_incident_channel_prefills_the_message_and_its_permalink(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id
    ts = rig.emulator.post_user_message(incident.channel_id, BOB, QUERY)

    await rig.slack.message_shortcut(
        CallbackId.CASE_SHORTCUT, channel=incident.channel_id, message_ts=ts, user=ALICE
    )
    await rig.slack.settle()
    form = top_view(rig, ALICE)
    assert form.callback_id == CallbackId.CASE_MODAL
    await submit(
        rig,
        form,
        {"expected": "Names the 2025 amendment", "slice": "January filings", "risk": "high"},
        user=ALICE,
    )

    [case] = await stored(rig, incident)
    assert case.input == PLAIN_QUERY
    assert (case.source, case.risk, case.created_by) == (CaseSource.SLACK_MESSAGE, Risk.HIGH, ALICE)
    assert case.source_url and ts.replace(".", "") in case.source_url
    [notice] = captured_notices(rig, incident)
    assert f"<@{ALICE}> added regression case `{case.key}` (slice: January filings)" in notice
    assert "@U0CAROL &amp; the index — 1 case so far" in notice
    assert rig.emulator.rejections == []


async def test_the_case_command_captures_a_case_typed_in(rig: Rehearsal, declare: Declare) -> None:
    incident = await declare()
    assert incident.channel_id
    form = await command(rig, "case", user=ALICE, channel=incident.channel_id)

    await submit(
        rig,
        form,
        {
            "input": "Summarise filing 2024-117",
            "observed": "It cites Smith v. Jones (2031)",
            "expected": "Cite a case that does not exist",
            "expectation": "must_not",
            "request_model": "gpt-4o-2024-11-20",
            "provider_name": "openai",
        },
        user=ALICE,
    )

    [case] = await stored(rig, incident)
    assert (case.source, case.expectation) == (CaseSource.COMMAND, Expectation.MUST_NOT)
    assert case.versions.attributes() == {
        "gen_ai.request.model": "gpt-4o-2024-11-20",
        "gen_ai.provider.name": "openai",
    }
    assert len(captured_notices(rig, incident)) == 1


async def test_the_shortcut_from_another_channel_asks_which_incident_first(
    rig: Rehearsal, declare: Declare
) -> None:
    first = await declare("Refusal spike")
    second = await declare("Escalation storm")
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    ts = rig.emulator.post_user_message(general.id, CAROL, "why did it refuse the refund question?")

    await rig.slack.message_shortcut(
        CallbackId.CASE_SHORTCUT, channel=general.id, message_ts=ts, user=ALICE
    )
    await rig.slack.settle()
    picker = top_view(rig, ALICE)
    assert picker.callback_id == CallbackId.CASE_PICK_MODAL
    await submit(rig, picker, {"pick_incident": str(second.number)}, user=ALICE)
    form = top_view(rig, ALICE)
    assert form.callback_id == CallbackId.CASE_MODAL
    await submit(rig, form, {"expected": "Answers the refund policy"}, user=ALICE)

    [case] = await stored(rig, second)
    assert case.input == "why did it refuse the refund question?"
    assert case.source_url and ts.replace(".", "") in case.source_url
    assert await stored(rig, first) == []
    assert len(captured_notices(rig, second)) == 1
    assert rig.emulator.rejections == []


async def test_a_case_with_no_input_is_refused_under_the_input_and_stores_nothing(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id
    form = await command(rig, "case", user=ALICE, channel=incident.channel_id)

    # Slack's client would not send an empty required input; a blank one gets through.
    answer = await submit(rig, form, {"input": "   ", "expected": "Cites section 12"}, user=ALICE)

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"case.input"}
    assert "input is required" in rig.emulator.view(form.id).errors["case.input"]
    assert await stored(rig, incident) == []
    assert captured_notices(rig, incident) == []


async def test_a_submission_delivered_twice_stores_one_case_and_tells_the_channel_once(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id
    form = await command(rig, "case", user=ALICE, channel=incident.channel_id)
    values = {"input": "Summarise filing 2024-117", "expected": "Cites no invented case"}
    # A double click: both submissions leave before the first answer closes the modal.
    first, again = await asyncio.gather(
        rig.slack.submit_view(form.id, values, user=ALICE),
        rig.slack.submit_view(form.id, values, user=ALICE),
    )
    await rig.slack.settle()

    assert first.status_code == again.status_code == 200

    assert len(await stored(rig, incident)) == 1
    assert len(captured_notices(rig, incident)) == 1
    # Captured again later, on purpose or not: one case still, and the person is told why.
    again_form = await command(rig, "case", user=ALICE, channel=incident.channel_id)
    await submit(rig, again_form, values, user=ALICE)
    [case] = await stored(rig, incident)
    assert f"already regression case `{case.key}`" in rig.emulator.ephemerals_for(ALICE)[-1].text
    assert len(captured_notices(rig, incident)) == 1


async def test_the_case_command_outside_an_incident_channel_says_where_to_use_it(
    rig: Rehearsal, declare: Declare
) -> None:
    await declare()
    general = rig.emulator.channel_by_name("general")
    assert general is not None

    await rig.slack.slash("case", user=BOB, channel=general.id)
    await rig.slack.settle()

    assert [v for v in rig.emulator.open_views(BOB) if v.callback_id == CallbackId.CASE_MODAL] == []
    assert "incident channel" in rig.emulator.ephemerals_for(BOB)[-1].text


async def test_the_list_shows_each_case_and_edits_keep_the_key_removes_remove(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id
    for query in ("first query", "second query"):
        form = await command(rig, "case", user=ALICE, channel=incident.channel_id)
        await submit(rig, form, {"input": query, "expected": "Refuse politely"}, user=ALICE)
    first, second = await stored(rig, incident)
    number = incident.number or 0

    listing = await command(rig, "cases", user=BOB, channel=incident.channel_id)
    assert listing.callback_id == CallbackId.CASES_MODAL
    shown = str(listing.payload["blocks"])
    assert first.key in shown and second.key in shown and "not run by a gate yet" in shown

    await rig.slack.click(
        ActionId.CASE_EDIT, user=BOB, view_id=listing.id, value=f"{number}:{first.id}"
    )
    await rig.slack.settle()
    edit = top_view(rig, BOB)
    await submit(rig, edit, {"expected": "Refuse and point to a lawyer", "slice": "S"}, user=BOB)
    edited, _ = await stored(rig, incident)
    assert (edited.key, edited.expected, edited.slice) == (
        first.key,
        "Refuse and point to a lawyer",
        "S",
    )
    assert "Refuse and point to a lawyer" in str(rig.emulator.view(listing.id).payload["blocks"])

    await rig.slack.click(
        ActionId.CASE_REMOVE, user=BOB, view_id=listing.id, value=f"{number}:{second.id}"
    )
    await rig.slack.settle()
    assert [c.key for c in await stored(rig, incident)] == [first.key]
    assert second.key not in str(rig.emulator.view(listing.id).payload["blocks"])

    await rig.slack.click(ActionId.CASE_ADD, user=BOB, view_id=listing.id, value=str(number))
    await rig.slack.settle()
    added = top_view(rig, BOB)
    await submit(rig, added, {"input": "third query", "expected": "Refuse"}, user=BOB)
    assert "third query" in str(rig.emulator.view(listing.id).payload["blocks"])
    # Edits and removals are not new cases: the channel heard of the three captures only.
    assert len(captured_notices(rig, incident)) == 3
    assert rig.emulator.rejections == []
