"""The everyday incident commands, over signed HTTP against the sandbox."""

from __future__ import annotations

import pytest

from bot.core.incidents.model import Role, Severity
from bot.core.timeline import TimelineKind
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId, CallbackId
from bot.slack.listeners.slash_command import SUBCOMMANDS
from tests.rig import Declare

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"


def last_ephemeral(rig: Rehearsal, user: str) -> str:
    return rig.emulator.ephemerals_for(user)[-1].text


async def test_help_lists_every_subcommand(rig: Rehearsal) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    response = await rig.slack.slash("help", user=ALICE, channel=general.id)
    text = response.json()["text"]
    for sub in SUBCOMMANDS:
        assert f"/ai-incident {sub.usage}" in text


async def test_unknown_subcommand_says_so_and_shows_help(rig: Rehearsal) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    response = await rig.slack.slash("frobnicate", user=ALICE, channel=general.id)
    assert "I don't know `frobnicate`" in response.json()["text"]


@pytest.mark.parametrize(
    "text", ["status", "log the judge moved", "role comms <@U0BOB|bob>", "severity S1", "update x"]
)
async def test_incident_commands_outside_an_incident_channel_explain_what_to_do(
    rig: Rehearsal, text: str
) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    response = await rig.slack.slash(text, user=ALICE, channel=general.id)
    assert response.status_code == 200  # acknowledged, even though the command then fails
    await rig.slack.settle()
    answer = last_ephemeral(rig, ALICE)
    assert "works inside an incident channel" in answer
    assert "/ai-incident list" in answer


async def test_list_shows_open_incidents(rig: Rehearsal, declare: Declare) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("list", user=BOB, channel=general.id)
    await rig.slack.settle()
    assert "No open incidents" in last_ephemeral(rig, BOB)
    incident = await declare("Judge drift on summarisation")
    await rig.slack.slash("list", user=BOB, channel=general.id)
    await rig.slack.settle()
    listing = last_ephemeral(rig, BOB)
    assert f"#{incident.number}" in listing and "Judge drift on summarisation" in listing
    assert f"<#{incident.channel_id}>" in listing


async def test_log_adds_a_note_to_the_timeline(rig: Rehearsal, declare: Declare) -> None:
    incident = await declare()
    assert incident.channel_id
    await rig.slack.slash(
        "log corpus got 14,000 new filings six weeks ago", user=BOB, channel=incident.channel_id
    )
    await rig.slack.settle()
    assert "Added to the timeline" in last_ephemeral(rig, BOB)
    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    [note] = [e for e in timeline if e.kind is TimelineKind.NOTE]
    assert note.summary == "corpus got 14,000 new filings six weeks ago"
    assert note.actor == BOB


async def test_a_note_that_says_payload_is_logged_like_any_other(
    rig: Rehearsal, declare: Declare
) -> None:
    # Bolt alone mistakes such a form body for an interaction and drops it.
    incident = await declare()
    assert incident.channel_id
    response = await rig.slack.slash(
        "log the payload of the judge call was truncated", user=BOB, channel=incident.channel_id
    )
    await rig.slack.settle()
    assert response.status_code == 200
    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    [note] = [e for e in timeline if e.kind is TimelineKind.NOTE]
    assert note.summary == "the payload of the judge call was truncated"


async def test_empty_log_is_refused_with_the_field_named(rig: Rehearsal, declare: Declare) -> None:
    incident = await declare()
    assert incident.channel_id
    await rig.slack.slash("log", user=BOB, channel=incident.channel_id)
    await rig.slack.settle()
    assert "text:" in last_ephemeral(rig, BOB)
    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    assert not [e for e in timeline if e.kind is TimelineKind.NOTE]


async def test_role_invites_the_person_updates_the_card_in_place_and_records_it(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id and incident.card_ts
    await rig.slack.slash("role comms <@U0BOB|bob>", user=ALICE, channel=incident.channel_id)
    await rig.slack.settle()
    assert BOB in rig.emulator.channel(incident.channel_id).members
    card = rig.emulator.message(incident.channel_id, incident.card_ts)
    assert len(card.history) >= 1  # edited, not re-posted
    assert "<@U0BOB>" in str(card.blocks)
    assert len(rig.emulator.pins(incident.channel_id)) == 1
    stored = await rig.runtime.deps.incidents.get(incident.number or 0)
    assert stored.role_holder(Role.COMMS) == BOB
    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    [role] = [e for e in timeline if e.kind is TimelineKind.ROLE and e.details.get("user") == BOB]
    # Plain words naming Bob by id; readers put his name in.
    assert (role.summary, role.user_ids) == (f"@{BOB} is comms", [BOB])


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("role pilot <@U0BOB|bob>", "role:"),
        ("role comms bob", "user:"),
        ("severity S9", "severity:"),
    ],
)
async def test_bad_arguments_name_the_field_and_change_nothing(
    rig: Rehearsal, declare: Declare, text: str, field: str
) -> None:
    incident = await declare()
    assert incident.channel_id
    await rig.slack.slash(text, user=ALICE, channel=incident.channel_id)
    await rig.slack.settle()
    assert field in last_ephemeral(rig, ALICE)
    assert await rig.runtime.deps.incidents.get(incident.number or 0) == incident


async def test_severity_change_is_recorded_announced_and_shown_on_the_card(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id and incident.card_ts
    await rig.slack.slash("severity s1", user=ALICE, channel=incident.channel_id)
    await rig.slack.settle()
    stored = await rig.runtime.deps.incidents.get(incident.number or 0)
    assert stored.severity is Severity.S1
    card = rig.emulator.message(incident.channel_id, incident.card_ts)
    assert "S1 — critical" in str(card.blocks)
    assert card.history and "S2 — major" in str(card.history[0].blocks)
    notices = [m.text for m in rig.emulator.messages(incident.channel_id)]
    assert any("Severity changed S2 → S1" in t for t in notices)
    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    [change] = [e for e in timeline if e.kind is TimelineKind.SEVERITY]
    assert change.details == {"from": "S2", "to": "S1"}


async def test_update_with_text_posts_it_and_shows_it_on_the_card(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id and incident.card_ts
    await rig.slack.slash(
        "update Citation generation disabled; re-indexing the corpus.",
        user=CAROL,
        channel=incident.channel_id,
    )
    await rig.slack.settle()
    card = rig.emulator.message(incident.channel_id, incident.card_ts)
    assert "Citation generation disabled" in str(card.blocks)
    assert any("Stakeholder update" in m.text for m in rig.emulator.messages(incident.channel_id))
    stored = await rig.runtime.deps.incidents.get(incident.number or 0)
    assert stored.last_update_text == "Citation generation disabled; re-indexing the corpus."


async def test_update_without_text_opens_a_form_and_the_card_button_does_too(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id and incident.card_ts
    await rig.slack.slash("update", user=CAROL, channel=incident.channel_id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(CAROL)
    assert view.payload["callback_id"] == CallbackId.UPDATE_MODAL
    empty = await rig.slack.submit_view(view.id, {"update_text": " "}, user=CAROL)
    assert empty.json()["response_action"] == "errors"
    await rig.slack.submit_view(view.id, {"update_text": "Rollback done."}, user=CAROL)
    await rig.slack.settle()
    stored = await rig.runtime.deps.incidents.get(incident.number or 0)
    assert stored.last_update_text == "Rollback done."

    await rig.slack.click(
        ActionId.CARD_POST_UPDATE, user=BOB, channel=incident.channel_id, message=incident.card_ts
    )
    await rig.slack.settle()
    [view] = rig.emulator.open_views(BOB)
    assert view.payload["callback_id"] == CallbackId.UPDATE_MODAL


async def test_status_shows_the_card_to_the_asker(rig: Rehearsal, declare: Declare) -> None:
    incident = await declare()
    assert incident.channel_id
    await rig.slack.slash("status", user=BOB, channel=incident.channel_id)
    await rig.slack.settle()
    [answer] = rig.emulator.ephemerals_for(BOB)
    assert incident.title in str(answer.blocks)
