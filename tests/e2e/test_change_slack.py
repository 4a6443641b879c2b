"""The change ledger in Slack: the typed-change modal, the digest at open and on request, and
its "Add to timeline" button — over signed HTTP against the sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.changes.model import ChangeKind
from bot.core.incidents.model import Incident
from bot.core.timeline import Axis, TimelineKind
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.messages.changes import add_button_value
from slack_sandbox import Message
from tests.e2e.ledger_support import (
    ALICE,
    BOB,
    FEATURE,
    a_change,
    bot_messages,
    iso,
    ledger,
    now,
    post_signed,
    timeline,
)
from tests.rig import Declare


async def open_change_modal(rig: Rehearsal, *, user: str, channel: str) -> str:
    await rig.slack.slash("change", user=user, channel=channel)
    await rig.slack.settle()
    [view] = [v for v in rig.emulator.open_views(user) if v.callback_id == CallbackId.CHANGE_MODAL]
    return view.id


async def declare_with_modal(rig: Rehearsal, **values: Any) -> Incident:
    """`/ai-incident open` in #general, the form filled in and submitted (as in the fixture
    `declare`, which serves the plain rig)."""
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash(
        "open Research assistant cites fake cases", user=ALICE, channel=general.id
    )
    await rig.slack.settle()
    view = rig.emulator.open_views(ALICE)[-1]
    fields = {"severity": "S2", "category": "user_visible_regression", **values}
    await rig.slack.submit_view(view.id, fields, user=ALICE)
    await rig.slack.settle()
    return max(await rig.runtime.deps.incidents.list_open(), key=lambda i: i.number or 0)


def digests(rig: Rehearsal, channel_id: str) -> list[Message]:
    return [m for m in rig.emulator.messages(channel_id) if m.text.startswith("What changed")]


def button_values(message: Message) -> list[str]:
    return [
        block["accessory"]["value"]
        for block in message.blocks
        if block.get("accessory", {}).get("action_id") == ActionId.DIGEST_ADD_TO_TIMELINE
    ]


async def test_a_change_entered_by_modal_lands_on_the_timeline_with_its_axis_and_in_the_ledger(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare(ai_feature=FEATURE)
    assert incident.channel_id
    view_id = await open_change_modal(rig, user=BOB, channel=incident.channel_id)
    service = next(
        b for b in rig.emulator.view(view_id).blocks if b.get("block_id") == BlockId.CHANGE_SERVICE
    )
    assert service["element"]["initial_value"] == FEATURE  # prefilled from the incident

    took_effect = now().replace(second=0, microsecond=0) - timedelta(days=2)
    submitted = await rig.slack.submit_view(
        view_id,
        {
            "change_kind": "model",
            "change_before": "gpt-4o-2024-08-06",
            "change_after": "gpt-4o-2024-11-20",
            "change_occurred_at": took_effect,
            "change_url": "https://github.com/acme/legal-rag/pull/12",
            "change_note": "pinned the new snapshot",
        },
        user=BOB,
    )
    await rig.slack.settle()

    assert submitted.status_code == 200 and not submitted.content
    [event] = [e for e in await timeline(rig, incident) if e.kind is TimelineKind.MODEL_CHANGE]
    assert event.axis is Axis.MODEL
    assert event.occurred_at == took_effect
    assert event.actor == BOB
    assert event.permalink == "https://github.com/acme/legal-rag/pull/12"
    [stored] = await ledger(rig)
    assert (stored.source, stored.kind, stored.service) == ("slack", ChangeKind.MODEL, FEATURE)
    assert stored.attributes == {"gen_ai.request.model": "gpt-4o-2024-11-20"}
    [said] = bot_messages(rig, incident.channel_id, "recorded a change")
    assert "<@U0BOB>" in said and "gpt-4o-2024-08-06 → gpt-4o-2024-11-20" in said


@pytest.mark.parametrize(
    ("values", "block"),
    [
        ({"change_kind": "prompt"}, BlockId.CHANGE_NOTE),  # says nothing about what changed
        ({"change_kind": "prompt", "change_note": "x", "change_url": "ftp://x"}, "change_url"),
        (
            {"change_kind": "index", "change_note": "x", "change_occurred_at": "future"},
            BlockId.CHANGE_OCCURRED_AT,
        ),
    ],
)
async def test_the_modal_names_what_to_fix_and_records_nothing(
    rig: Rehearsal, declare: Declare, values: dict[str, Any], block: str
) -> None:
    incident = await declare(ai_feature=FEATURE)
    assert incident.channel_id
    view_id = await open_change_modal(rig, user=BOB, channel=incident.channel_id)
    if values.get("change_occurred_at") == "future":
        values = {**values, "change_occurred_at": now() + timedelta(days=1)}

    response = await rig.slack.submit_view(view_id, values, user=BOB)

    assert response.json()["response_action"] == "errors"
    assert list(response.json()["errors"]) == [block]
    assert await ledger(rig) == []


async def test_a_change_recorded_outside_an_incident_reaches_the_incidents_that_follow_it(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare(ai_feature=FEATURE)
    general = rig.emulator.channel_by_name("general")
    assert general is not None and incident.channel_id
    view_id = await open_change_modal(rig, user=BOB, channel=general.id)
    await rig.slack.submit_view(
        view_id,
        {"change_kind": "index", "change_service": FEATURE, "change_note": "re-embedded corpus"},
        user=BOB,
    )
    await rig.slack.settle()

    [told] = rig.emulator.ephemerals_for(BOB, general.id)
    assert "Recorded in the change ledger" in told.text and f"#{incident.number}" in told.text
    assert bot_messages(rig, incident.channel_id, "re-embedded corpus")
    [event] = [e for e in await timeline(rig, incident) if e.kind is TimelineKind.INDEX_CHANGE]
    assert event.axis is Axis.DATA


async def test_the_digest_at_open_and_its_add_to_timeline_button(api_rig: Rehearsal) -> None:
    start = now() - timedelta(days=3)
    await post_signed(
        api_rig,
        "/api/v1/changes",
        {
            "changes": [
                a_change("recent-model", occurred_at=iso(start - timedelta(days=2))),
                a_change(
                    "old-corpus",
                    kind="index",
                    occurred_at=iso(start - timedelta(days=39)),
                    summary="14,000 new court filings; embedding model not retrained",
                ),
                a_change("other-feature", service="triage-assistant"),
                a_change("after-the-start", occurred_at=iso(start + timedelta(hours=1))),
            ]
        },
    )
    incident = await declare_with_modal(
        api_rig, ai_feature=FEATURE, regression_started_at=int(start.timestamp())
    )
    channel = incident.channel_id
    assert channel

    [digest] = digests(api_rig, channel)
    shown = str(digest.blocks)
    assert "gpt-4o-2024-11-20" in shown  # in the 7 days before the regression start
    assert "14,000 new court filings" not in shown  # six weeks back: outside the window
    [value] = button_values(digest)
    [recent] = [c for c in await ledger(api_rig) if c.external_id == "recent-model"]
    assert value == add_button_value(incident.number or 0, recent.id or 0)

    # Someone asks for the digest again before anybody clicked: two digests, two buttons.
    await api_rig.slack.slash("changes", user=ALICE, channel=channel)
    await api_rig.slack.settle()
    again = digests(api_rig, channel)[-1]
    for message in (digest, again):  # the same change, added from both: it lands once
        await api_rig.slack.click(
            ActionId.DIGEST_ADD_TO_TIMELINE, user=BOB, channel=channel, message=message.ts
        )
        await api_rig.slack.settle()

    added = [e for e in await timeline(api_rig, incident) if e.kind is TimelineKind.MODEL_CHANGE]
    assert [(e.axis, e.actor, e.details["external_id"]) for e in added] == [
        (Axis.MODEL, BOB, "recent-model")
    ]
    assert len(bot_messages(api_rig, channel, "put a change on the timeline")) == 1
    assert "already on the timeline" in api_rig.emulator.ephemerals_for(BOB)[-1].text
    # Each clicked digest now says so in place of its button.
    for message in (digest, again):
        edited = api_rig.emulator.message(channel, message.ts)
        assert button_values(edited) == [] and "on the timeline" in str(edited.blocks)


async def test_changes_with_more_days_reaches_further_back_and_marks_what_is_on_the_timeline(
    api_rig: Rehearsal,
) -> None:
    start = now() - timedelta(days=3)
    await post_signed(
        api_rig,
        "/api/v1/changes",
        {
            "changes": [
                a_change("recent-model", occurred_at=iso(start - timedelta(days=2))),
                a_change("old-corpus", kind="index", occurred_at=iso(start - timedelta(days=39))),
            ]
        },
    )
    incident = await declare_with_modal(
        api_rig, ai_feature=FEATURE, regression_started_at=int(start.timestamp())
    )
    assert incident.channel_id
    opening = digests(api_rig, incident.channel_id)[0]
    await api_rig.slack.click(
        ActionId.DIGEST_ADD_TO_TIMELINE, user=BOB, channel=incident.channel_id, message=opening.ts
    )
    await api_rig.slack.slash("changes 45", user=ALICE, channel=incident.channel_id)
    await api_rig.slack.settle()

    wider = digests(api_rig, incident.channel_id)[-1]
    assert "The 45 days before the regression start" in str(wider.blocks)
    assert "*Data*" in str(wider.blocks) and "*Model*" in str(wider.blocks)
    [old] = [c for c in await ledger(api_rig) if c.external_id == "old-corpus"]
    # The model change is on the timeline already: no second button for it.
    assert button_values(wider) == [add_button_value(incident.number or 0, old.id or 0)]
    assert "on the timeline" in str(wider.blocks)


@pytest.mark.parametrize("args", ["abc", "0", "91"])
async def test_changes_with_a_bad_number_of_days_names_it(
    rig: Rehearsal, declare: Declare, args: str
) -> None:
    incident = await declare()
    assert incident.channel_id
    await rig.slack.slash(f"changes {args}", user=ALICE, channel=incident.channel_id)
    await rig.slack.settle()
    assert "days:" in rig.emulator.ephemerals_for(ALICE)[-1].text


async def test_changes_outside_an_incident_shows_the_ledger_to_the_asker_only(
    rig: Rehearsal,
) -> None:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    view_id = await open_change_modal(rig, user=BOB, channel=general.id)
    await rig.slack.submit_view(
        view_id, {"change_kind": "judge", "change_after": "judge-v7"}, user=BOB
    )
    await rig.slack.slash("changes", user=ALICE, channel=general.id)
    await rig.slack.settle()

    answer = rig.emulator.ephemerals_for(ALICE, general.id)[-1]
    assert "The change ledger: 1 change" in answer.text
    assert "now judge-v7" in str(answer.blocks)
    assert not button_values(Message(channel="", ts="", user="", text="", blocks=answer.blocks))
    assert not [m for m in rig.emulator.messages(general.id) if "What changed" in m.text]
