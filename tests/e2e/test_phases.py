"""Walking an incident through its runbook in Slack: checklists, advancing, overrides, levers."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.core.incidents.model import Incident
from bot.core.runbooks.loader import load_catalog
from bot.core.timeline import TimelineKind
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId, CallbackId
from bot.slack.messages.runbooks import entry_block_id, lever_block_id
from slack_sandbox import SlackEmulator
from tests.rig import Declare, OpenRig

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
RUNBOOK = load_catalog(None).get("default")


def checklist_ts(rig: Rehearsal, incident: Incident, phase_title: str) -> str:
    assert incident.channel_id
    for message in rig.emulator.messages(incident.channel_id):
        if any(phase_title in str(b.get("text", "")) for b in message.blocks[:1]):
            return message.ts
    raise AssertionError(f"no checklist for {phase_title}")


async def tick(
    rig: Rehearsal,
    incident: Incident,
    phase: str,
    entry: str,
    *,
    done: bool = True,
    user: str = BOB,
) -> None:
    assert incident.channel_id
    title = RUNBOOK.phase(phase).title
    await rig.slack.click(
        ActionId.CHECKLIST_TOGGLE,
        user=user,
        channel=incident.channel_id,
        message=checklist_ts(rig, incident, title),
        block_id=entry_block_id(phase, entry),
        selected_options=[entry] if done else [],
    )
    await rig.slack.settle()


async def tick_all_required(rig: Rehearsal, incident: Incident, phase: str) -> None:
    for item in RUNBOOK.phase(phase).required_items:
        await tick(rig, incident, phase, item.id)


async def test_an_incident_walks_all_four_phases_by_buttons_and_commands(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    channel = incident.channel_id
    assert channel and incident.number
    number = incident.number
    triage = checklist_ts(rig, incident, "Triage")
    assert rig.emulator.message(channel, triage).blocks  # the first checklist is there

    # A refused advance: required items are open; the answer lists them with "Advance anyway".
    await rig.slack.slash("phase next", user=ALICE, channel=channel)
    await rig.slack.settle()
    refusal = rig.emulator.ephemerals_for(ALICE)[-1]
    assert "required item(s) open" in str(refusal.blocks)
    assert (await rig.runtime.deps.incidents.get(number)).phase == "triage"

    # Tick everything, untick one again (it is recorded), then tick it back.
    await tick_all_required(rig, incident, "triage")
    first = RUNBOOK.phase("triage").required_items[0].id
    await tick(rig, incident, "triage", first, done=False, user=CAROL)
    checklist = rig.emulator.message(channel, triage)
    assert checklist.history, "the checklist is edited in place"
    assert f":white_large_square: *{RUNBOOK.phase('triage').required_items[0].text}" in str(
        checklist.blocks
    )
    await tick(rig, incident, "triage", first)

    # Triage -> scope by the "Next phase" button.
    await rig.slack.click(ActionId.PHASE_NEXT, user=ALICE, channel=channel, message=triage)
    await rig.slack.settle()
    assert (await rig.runtime.deps.incidents.get(number)).phase == "scope"
    scope = checklist_ts(rig, incident, "Scope")

    # A stabilization lever on scope: who authorized it and the trade-off.
    lever = RUNBOOK.phase("scope").levers[0]
    await rig.slack.click(
        ActionId.LEVER_CHOOSE,
        user=BOB,
        channel=channel,
        message=scope,
        block_id=lever_block_id("scope"),
        selected_option=lever.id,
    )
    await rig.slack.settle()
    [modal] = rig.emulator.open_views(BOB)
    assert modal.payload["callback_id"] == CallbackId.LEVER_MODAL
    missing = await rig.slack.submit_view(
        modal.id, {"lever_authorized_by": ALICE, "lever_trade_off": " "}, user=BOB
    )
    assert "lever_trade_off" in missing.json()["errors"]
    await rig.slack.submit_view(
        modal.id,
        {"lever_authorized_by": ALICE, "lever_trade_off": "Answers cite nothing for a day"},
        user=BOB,
    )
    await rig.slack.settle()

    # Scope -> mitigate with items still open: refused, then "Advance anyway" (an override).
    await rig.slack.click(ActionId.PHASE_NEXT, user=ALICE, channel=channel, message=scope)
    await rig.slack.settle()
    refusal = rig.emulator.ephemerals_for(ALICE)[-1]
    await rig.slack.click(
        ActionId.PHASE_ADVANCE_ANYWAY, user=ALICE, channel=channel, message=refusal.ts
    )
    await rig.slack.settle()
    assert (await rig.runtime.deps.incidents.get(number)).phase == "mitigate"

    # Mitigate: confirming every exit criterion marks the incident mitigated.
    await tick_all_required(rig, incident, "mitigate")
    for criterion in RUNBOOK.phase("mitigate").exit_criteria:
        await tick(rig, incident, "mitigate", criterion.id)
    mitigated = await rig.runtime.deps.incidents.get(number)
    assert mitigated.mitigated_at is not None

    # Mitigate -> post-incident by command, naming the phase.
    await rig.slack.slash("phase post-incident", user=ALICE, channel=channel)
    await rig.slack.settle()
    assert (await rig.runtime.deps.incidents.get(number)).phase == "post-incident"

    runs = await rig.runtime.deps.phases.runs(number)
    assert [r.phase for r in runs] == ["triage", "scope", "mitigate", "post-incident"]
    assert all(r.ended_at is not None for r in runs[:-1]) and runs[-1].ended_at is None
    assert [r.left_by_override for r in runs] == [None, ALICE, None, None]
    assert all(a.ended_at == b.started_at for a, b in itertools.pairwise(runs))

    timeline = await rig.runtime.deps.incidents.timeline(number)
    phase_changes = [e.details for e in timeline if e.details.get("event") == "phase_changed"]
    assert [(d["from"], d["to"], d["override"]) for d in phase_changes] == [
        ("triage", "scope", False),
        ("scope", "mitigate", True),
        ("mitigate", "post-incident", False),
    ]
    unticked = [
        e for e in timeline if e.details.get("event") == "entry" and e.details["done"] is False
    ]
    assert [(e.actor, e.details["item"]) for e in unticked] == [(CAROL, first)]
    [stabilization] = [e for e in timeline if e.kind is TimelineKind.STABILIZATION]
    assert stabilization.details["authorized_by"] == ALICE
    assert stabilization.details["trade_off"] == "Answers cite nothing for a day"
    assert any(e.kind is TimelineKind.MITIGATION for e in timeline)
    card = rig.emulator.message(channel, incident.card_ts or "")
    assert "post-incident" in str(card.blocks)
    assert rig.emulator.rejections == []


async def test_switching_runbook_posts_its_checklist_and_is_recorded(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    assert incident.channel_id
    await rig.slack.slash("runbook rag-hallucination", user=ALICE, channel=incident.channel_id)
    await rig.slack.settle()
    stored = await rig.runtime.deps.incidents.get(incident.number or 0)
    assert stored.runbook == "rag-hallucination" and stored.phase == "triage"
    rag = load_catalog(None).get("rag-hallucination")
    extra = {i.text for i in rag.phase("triage").checklist} - {
        i.text for i in RUNBOOK.phase("triage").checklist
    }
    assert extra and any(
        t in str(rig.emulator.messages(incident.channel_id)[-1].blocks) for t in extra
    )
    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    assert any(e.details.get("event") == "runbook_changed" for e in timeline)
    await rig.slack.slash("runbook nonsense", user=ALICE, channel=incident.channel_id)
    await rig.slack.settle()
    assert "nonsense" in rig.emulator.ephemerals_for(ALICE)[-1].text


async def test_every_shipped_runbook_fits_slack_limits_in_every_phase(
    rig: Rehearsal, declare: Declare
) -> None:
    for runbook in load_catalog(None):
        incident = await declare(f"Limits {runbook.name}", runbook=runbook.name)
        assert incident.channel_id
        for phase in runbook.phases[1:]:
            await rig.slack.slash(f"phase {phase.name}", user=ALICE, channel=incident.channel_id)
            await rig.slack.settle()
            refusal = rig.emulator.ephemerals_for(ALICE)[-1]
            await rig.slack.click(
                ActionId.PHASE_ADVANCE_ANYWAY,
                user=ALICE,
                channel=incident.channel_id,
                message=refusal.ts,
            )
            await rig.slack.settle()
        stored = await rig.runtime.deps.incidents.get(incident.number or 0)
        assert stored.phase == runbook.phases[-1].name
    assert rig.emulator.rejections == []


async def test_a_custom_runbook_is_offered_in_the_declare_modal_and_used(
    tmp_path: Path, open_rig: OpenRig
) -> None:
    custom = tmp_path / "runbooks"
    custom.mkdir()
    (custom / "judge-drift.yaml").write_text(
        "name: judge-drift\n"
        "title: Judge drift\n"
        "extends: default\n"
        "phases:\n"
        "  - name: triage\n"
        "    checklist:\n"
        "      - id: recalibrate\n"
        "        text: Compare the judge against twenty fresh human labels\n"
    )
    emulator = SlackEmulator()
    async with open_rig(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        emulator=emulator,
        runbooks_dir=custom,
    ) as rig:
        general = emulator.channel_by_name("general")
        assert general is not None
        await rig.slack.slash("open Judge scores moved", user=ALICE, channel=general.id)
        await rig.slack.settle()
        [view] = emulator.open_views(ALICE)
        runbook_block = next(b for b in view.payload["blocks"] if b.get("block_id") == "runbook")
        offered = [o["value"] for o in runbook_block["element"]["options"]]
        assert "judge-drift" in offered
        await rig.slack.submit_view(
            view.id,
            {"severity": "S3", "category": "silent_drift", "runbook": "judge-drift"},
            user=ALICE,
        )
        await rig.slack.settle()
        [incident] = await rig.runtime.deps.incidents.list_open()
        assert incident.runbook == "judge-drift" and incident.channel_id
        assert any(
            "twenty fresh human labels" in str(m.blocks)
            for m in emulator.messages(incident.channel_id)
        )
