"""The pinned card is edited only when what it shows changed, however many changes arrive at once.

Every use case that may change the card records a CardChanged; the projector performs only the
last of those pending and skips one that would leave the card as it is. A burst of checklist
ticks therefore costs the card at most a couple of edits, and an edit never repeats the last.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.core.incidents.model import Incident
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId
from bot.slack.messages.runbooks import checklist_blocks, entry_block_id
from tests.e2e.test_fault_storm import command, declare, submit_form
from tests.e2e.test_phases import RUNBOOK
from tests.fakes.clock import FakeClock

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"


def card_edits(rig: Rehearsal, incident: Incident) -> list[tuple[str, Any]]:
    """What each chat.update of the card sent (text, blocks), in order."""
    edits = []
    for call in rig.emulator.calls:
        if call.method == "chat.update" and call.params.get("ts") == incident.card_ts:
            edits.append(_shown(call.params))
    return edits


def card_as_posted(rig: Rehearsal, incident: Incident) -> tuple[str, Any]:
    [posted] = [
        c
        for c in rig.emulator.calls
        if c.method == "chat.postMessage"
        and c.ok
        and c.params.get("metadata")
        and "incident.card" in str(c.params["metadata"])
    ]
    return _shown(posted.params)


def _shown(params: dict[str, Any]) -> tuple[str, Any]:
    blocks = params.get("blocks")
    return str(params.get("text")), json.loads(blocks) if isinstance(blocks, str) else blocks


async def tick(rig: Rehearsal, incident: Incident, entry: str, *, user: str) -> None:
    response = await rig.slack.click(
        ActionId.CHECKLIST_TOGGLE,
        user=user,
        channel=incident.channel_id or "",
        message=await checklist(rig, incident),
        block_id=entry_block_id("triage", entry),
        selected_options=[entry],
    )
    assert response.status_code == 200


async def checklist(rig: Rehearsal, incident: Incident) -> str:
    view = await rig.runtime.deps.phases.view_of_run(incident.number or 0)
    assert view.run.checklist_ts
    return view.run.checklist_ts


async def test_a_burst_of_twenty_ticks_edits_the_card_at_most_twice(
    clocked_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = clocked_rig
    incident = await declare(rig, "Summaries cut off mid-sentence")
    assert incident.card_ts
    # Ten minutes into triage: the card's "for 10 min" is due, and any tick brings it up to date.
    clock.advance(minutes=10)
    items = [item.id for item in RUNBOOK.phase("triage").checklist]
    people = [ALICE, BOB, CAROL]
    # Several people ticking the same nine boxes at once: 20 clicks, all "done".
    clicks = [(items[i % len(items)], people[i % len(people)]) for i in range(20)]

    await asyncio.gather(*(tick(rig, incident, entry, user=user) for entry, user in clicks))
    await rig.slack.settle()

    edits = card_edits(rig, incident)
    assert 1 <= len(edits) <= 2, len(edits)
    card = rig.emulator.message(incident.channel_id or "", incident.card_ts)
    assert "triage for 10 min" in str(card.blocks)
    # The checklist, edited per tick, ends showing every box ticked.
    view = await rig.runtime.deps.phases.view_of_run(incident.number or 0)
    assert all(view.entries[entry].done for entry in items)
    shown = rig.emulator.message(incident.channel_id or "", await checklist(rig, incident))
    expected = [block.to_dict() for block in checklist_blocks(view)]
    # Slack gives a block without a block_id one of its own.
    assert [
        {k: v for k, v in got.items() if k != "block_id" or "block_id" in want}
        for got, want in zip(shown.blocks, expected, strict=True)
    ] == expected


async def test_no_edit_of_the_card_repeats_the_one_before_over_a_lifecycle(
    clocked_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = clocked_rig
    incident = await declare(rig, "Summaries cut off mid-sentence")
    channel = incident.channel_id or ""
    steps = [
        "role comms <@U0BOB|bob>",
        "role scribe <@U0CAROL|carol>",
        "severity s1",
        "severity s1",  # the same again: nothing on the card changes
        "update Truncation traced to the new max_tokens default.",
        "log Rolled back the max_tokens default",
    ]
    for text in steps:
        clock.advance(minutes=3)
        await command(rig, text, user=ALICE, channel=channel)
    for entry in [item.id for item in RUNBOOK.phase("triage").required_items][:3]:
        await tick(rig, incident, entry, user=BOB)
        await rig.slack.settle()
    await submit_form(
        rig,
        "action Add truncated summaries to the eval set",
        {"category": "eval_set", "owner_id": CAROL, "due": "2030-01-15"},
        user=ALICE,
        channel=channel,
    )
    await command(rig, "phase scope", user=ALICE, channel=channel)
    refusal = rig.emulator.ephemerals_for(ALICE)[-1]
    await rig.slack.click(
        ActionId.PHASE_ADVANCE_ANYWAY, user=ALICE, channel=channel, message=refusal.ts
    )
    await rig.slack.settle()
    await command(rig, "close", user=ALICE, channel=channel)
    view = rig.emulator.open_views(ALICE)[-1]
    await rig.slack.submit_view(
        view.id, {"summary": "Default restored.", "close_anyway": ["close_anyway"]}, user=ALICE
    )
    await rig.slack.settle()

    shown = [card_as_posted(rig, incident), *card_edits(rig, incident)]
    assert len(shown) >= 6  # roles, severity, update, action item, phase, close
    repeats = [i for i in range(1, len(shown)) if shown[i] == shown[i - 1]]
    assert repeats == [], f"edits {repeats} showed what the card already showed"
    assert "Closed" in str(shown[-1][1])
