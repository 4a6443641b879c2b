"""Slack surfaces that told a different story from the data, over signed HTTP against the
sandbox: the root-cause modal's required axis, channel names cut at a word, escalations
announced where the declaration was, two quick digest clicks, and the exit criteria confirmed
in Mitigate carried into the close form and the postmortem."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.core.incidents.model import CHANNEL_NAME_MAX, Incident, Status
from bot.core.runbooks.loader import load_catalog
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId, CallbackId
from bot.slack.messages.runbooks import entry_block_id
from slack_sandbox import Message, SubmissionBlocked
from slack_sandbox.state import ViewRecord
from tests.e2e.ledger_support import FEATURE, a_change, iso, now, post_signed
from tests.rig import Declare

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
RUNBOOK = load_catalog(None).get("default")


async def modal(rig: Rehearsal, text: str, channel: str, *, user: str = ALICE) -> ViewRecord:
    await rig.slack.slash(text, user=user, channel=channel)
    await rig.slack.settle()
    return rig.emulator.open_views(user)[-1]


def announcements(rig: Rehearsal) -> list[Message]:
    announce = rig.emulator.channel_by_name("ai-incidents")
    assert announce is not None
    return rig.emulator.messages(announce.id)


# -- the root-cause modal: "Axes that moved" is required, as the form's rule has it -----------


async def test_the_root_cause_modal_asks_for_an_axis_as_slack_would_show_it(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    view = await modal(rig, "rootcause", incident.channel_id or "")
    [axes] = [b for b in view.blocks if b.get("block_id") == "root_cause.axes"]
    assert axes["label"]["text"] == "Axes that moved"
    assert not axes.get("optional")  # Slack prints "(optional)" after the label otherwise

    # Slack's client will not send the form without an axis; nothing is stored.
    with pytest.raises(SubmissionBlocked, match=r"root_cause\.axes"):
        await rig.slack.submit_view(view.id, {"why_not_caught": "threshold_band"}, user=ALICE)
    analysis = await rig.runtime.deps.postmortems.analysis_of(incident.number or 0)
    assert analysis.root_cause is None

    # With one axis it is saved, and that axis is the one that moved first.
    answer = await rig.slack.submit_view(
        view.id,
        {
            "axes": ["prompt"],
            "what_changed.prompt": "Safety preamble removed in prompt v42",
            "evidence_url.prompt": "https://git.example.com/prompts/-/commit/42",
            "why_not_caught": "threshold_band",
        },
        user=ALICE,
    )
    await rig.slack.settle()
    assert not answer.content or answer.json().get("response_action") != "errors"
    root = (await rig.runtime.deps.postmortems.analysis_of(incident.number or 0)).root_cause
    assert root is not None and [a.axis.value for a in root.axes] == ["prompt"]


# -- channel names: cut at a word, inside Slack's 80 characters --------------------------------


async def test_an_eighty_character_title_names_the_channel_without_a_cut_word(
    rig: Rehearsal, declare: Declare
) -> None:
    title = "Legal research assistant cites fabricated cases after the model alias bump to v2"
    assert len(title) == 80
    incident = await declare(title)
    channel = rig.emulator.channel(incident.channel_id or "")
    # "aiinc-1-" leaves 72 characters, which end inside "bump": the word is left out whole.
    assert channel.name == (
        "aiinc-1-legal-research-assistant-cites-fabricated-cases-after-the-model-alias"
    )
    assert len(channel.name) <= CHANNEL_NAME_MAX
    words = set(title.lower().split())
    assert all(word in words for word in channel.name.split("-")[2:])


# -- severity escalations are announced where the declaration was ---------------------------


async def test_an_escalation_is_announced_where_the_declaration_was_and_a_de_escalation_not(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare(severity="S3")
    channel = incident.channel_id or ""
    [declared] = announcements(rig)
    assert f"<#{channel}>" in declared.text

    for severity in ("S2", "S1", "S2"):
        await rig.slack.slash(f"severity {severity}", user=ALICE, channel=channel)
        await rig.slack.settle()

    later = [m.text for m in announcements(rig)[1:]]
    assert len(later) == 2, later  # S3 → S2 and S2 → S1; the way back down stays in the channel
    assert "escalated S3 → S2" in later[0] and "escalated S2 → S1" in later[1]
    assert all(f"<#{channel}>" in text and f"#{incident.number}" in text for text in later)
    # The incident's own channel hears every move, the de-escalation included.
    moves = [m.text for m in rig.emulator.messages(channel) if "Severity changed" in m.text]
    assert len(moves) == 3


async def test_a_private_incident_escalates_without_an_announcement(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare("Leaked system prompt", severity="S3", private=["private"])
    await rig.slack.slash("severity S1", user=ALICE, channel=incident.channel_id or "")
    await rig.slack.settle()
    assert (await rig.runtime.deps.incidents.get(incident.number or 0)).severity.value == "S1"
    assert announcements(rig) == []


# -- two quick "Add to timeline" clicks on the digest both stay marked ------------------------


def add_buttons(message: Message) -> list[str]:
    return [
        block["accessory"]["value"]
        for block in message.blocks
        if block.get("accessory", {}).get("action_id") == ActionId.DIGEST_ADD_TO_TIMELINE
    ]


async def test_two_quick_clicks_on_the_digest_both_end_marked(api_rig: Rehearsal) -> None:
    rig = api_rig
    start = now() - timedelta(days=3)
    await post_signed(
        rig,
        "/api/v1/changes",
        {
            "changes": [
                a_change("model-bump", occurred_at=iso(start - timedelta(days=2))),
                a_change(
                    "prompt-edit",
                    kind="prompt",
                    occurred_at=iso(start - timedelta(days=1)),
                    summary="Safety preamble shortened",
                ),
            ]
        },
    )
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash(
        "open Research assistant cites fake cases", user=ALICE, channel=general.id
    )
    await rig.slack.settle()
    await rig.slack.submit_view(
        rig.emulator.open_views(ALICE)[-1].id,
        {
            "severity": "S2",
            "category": "user_visible_regression",
            "ai_feature": FEATURE,
            "regression_started_at": int(start.timestamp()),
        },
        user=ALICE,
    )
    await rig.slack.settle()
    incident = max(await rig.runtime.deps.incidents.list_open(), key=lambda i: i.number or 0)
    channel = incident.channel_id or ""
    [digest] = [m for m in rig.emulator.messages(channel) if m.text.startswith("What changed")]
    first, second = add_buttons(digest)

    # Both people click while the message still shows both buttons.
    await asyncio.gather(
        rig.slack.click(
            ActionId.DIGEST_ADD_TO_TIMELINE,
            user=BOB,
            channel=channel,
            message=digest.ts,
            value=first,
        ),
        rig.slack.click(
            ActionId.DIGEST_ADD_TO_TIMELINE,
            user=CAROL,
            channel=channel,
            message=digest.ts,
            value=second,
        ),
    )
    await rig.slack.settle()

    edited = rig.emulator.message(channel, digest.ts)
    assert add_buttons(edited) == []
    assert str(edited.blocks).count("on the timeline") == 2
    timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
    on_timeline = {e.details.get("external_id") for e in timeline if e.details.get("external_id")}
    assert on_timeline == {"model-bump", "prompt-edit"}


# -- exit criteria confirmed in Mitigate reach the close form and the postmortem --------------


async def to_mitigate(rig: Rehearsal, incident: Incident) -> str:
    channel = incident.channel_id or ""
    await rig.slack.slash("phase mitigate", user=ALICE, channel=channel)
    await rig.slack.settle()
    refusal = rig.emulator.ephemerals_for(ALICE)[-1]
    if ActionId.PHASE_ADVANCE_ANYWAY in str(refusal.blocks):
        await rig.slack.click(
            ActionId.PHASE_ADVANCE_ANYWAY, user=ALICE, channel=channel, message=refusal.ts
        )
        await rig.slack.settle()
    assert (await rig.runtime.deps.incidents.get(incident.number or 0)).phase == "mitigate"
    title = RUNBOOK.phase("mitigate").title
    return next(
        m.ts
        for m in rig.emulator.messages(channel)
        if any(title in str(b.get("text", "")) for b in m.blocks[:1])
    )


async def test_exit_criteria_confirmed_in_mitigate_are_ticked_in_the_close_form_and_listed(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    channel = incident.channel_id or ""
    checklist = await to_mitigate(rig, incident)
    criteria = RUNBOOK.phase("mitigate").exit_criteria
    assert len(criteria) == 6
    for criterion in criteria:
        await rig.slack.click(
            ActionId.CHECKLIST_TOGGLE,
            user=BOB,
            channel=channel,
            message=checklist,
            block_id=entry_block_id("mitigate", criterion.id),
            selected_options=[criterion.id],
        )
        await rig.slack.settle()

    view = await modal(rig, "close", channel)
    assert view.payload["callback_id"] == CallbackId.CLOSE_MODAL
    [met] = [b for b in view.blocks if b.get("block_id") == "close.exit_criteria_met"]
    ticked = [o["value"] for o in met["element"].get("initial_options") or []]
    assert ticked == [c.signal for c in criteria]

    # Submitted as it was opened (only the summary typed, the ticks left alone).
    fields: dict[str, object] = {"summary": "Rolled the model alias back; golden prompts pass."}
    if any(b.get("block_id") == "close.close_anyway" for b in view.blocks):
        fields |= {"close_anyway": ["close_anyway"], "close_reason": "Root cause pending"}
    await rig.slack.submit_view(view.id, fields, user=ALICE)
    await rig.slack.settle()
    closed = await rig.runtime.deps.incidents.get(incident.number or 0)
    assert closed.status is Status.CLOSED
    [posted] = rig.emulator.files
    listed = posted.text.split("- Exit criteria met:", 1)[1].split("\n\n", 1)[0]
    assert [line.strip("- ").strip() for line in listed.strip().splitlines()] == [
        c.signal for c in criteria
    ]
