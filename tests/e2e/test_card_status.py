"""`status` answers with the pinned card: the same facts, built by the same builder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.demo.rehearsal import Rehearsal
from tests.rig import Declare

ALICE, BOB = "U0ALICE", "U0BOB"
DUE = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()


async def add_action(rig: Rehearsal, channel: str, title: str, owner: str | None) -> None:
    await rig.slack.slash(f"action {title}", user=ALICE, channel=channel)
    await rig.slack.settle()
    view = rig.emulator.open_views(ALICE)[-1]
    response = await rig.slack.submit_view(
        view.id, {"category": "code", "owner_id": owner, "due": DUE}, user=ALICE
    )
    assert response.status_code == 200
    await rig.slack.settle()


def field_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [f["text"] for b in blocks if b.get("type") == "section" for f in b.get("fields") or []]


def without_phase(blocks: list[dict[str, Any]]) -> list[str]:
    return [text for text in field_texts(blocks) if not text.startswith("*Phase*")]


async def test_status_and_the_pinned_card_both_count_open_and_unowned_items(
    rig: Rehearsal, declare: Declare
) -> None:
    incident = await declare()
    channel, card_ts = incident.channel_id or "", incident.card_ts or ""
    await add_action(rig, channel, "Re-index the corpus on every update", BOB)
    await add_action(rig, channel, "Alert when retrieval relevance drops", None)

    await rig.slack.slash("status", user=BOB, channel=channel)
    await rig.slack.settle()
    [answer] = rig.emulator.ephemerals_for(BOB)
    card = rig.emulator.message(channel, card_ts)

    counts = "*Open action items*\n2 — :warning: 1 unowned"
    assert counts in field_texts(answer.blocks)
    assert counts in field_texts(card.blocks)
    # One builder: the answer is the card, field for field (time in the phase moves on).
    assert without_phase(answer.blocks) == without_phase(card.blocks)
