"""The transcript reads as the conversation a person would have followed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.slack_sandbox.sandbox_support import Sandbox, button, modal, served_sandbox, text_input


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


def card(severity: str, commander: str) -> list[dict[str, Any]]:
    return [
        {"type": "header", "text": {"type": "plain_text", "text": "#1 Refusals spiked"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Severity* {severity}"},
                {"type": "mrkdwn", "text": f"*Commander* <@{commander}>"},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Updates itself"}]},
        {"type": "actions", "elements": [button("Post update", "update")]},
    ]


async def test_a_card_then_its_edits_read_as_what_changed(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-1-refusals"))["channel"]["id"]
    await web.conversations_invite(channel=channel, users="U0ALICE")
    ts = (await web.chat_postMessage(channel=channel, text="card", blocks=card("S2", "U0ALICE")))[
        "ts"
    ]
    await web.pins_add(channel=channel, timestamp=ts)
    await web.chat_update(channel=channel, ts=ts, text="card", blocks=card("S1", "U0ALICE"))
    await web.chat_update(channel=channel, ts=ts, text="card", blocks=card("S1", "U0ALICE"))
    await web.chat_postEphemeral(channel=channel, user="U0ALICE", text="Severity is now S1")
    trigger = sandbox.emulator.mint_trigger_id(user="U0ALICE")
    await web.views_open(trigger_id=trigger, view=modal(text_input("title", "title")))

    assert sandbox.emulator.transcript().splitlines() == [
        "#aiinc-1-refusals created by ai-incident",
        "#aiinc-1-refusals: ai-incident invited alice",
        "[#aiinc-1-refusals] ai-incident:",
        "    == #1 Refusals spiked ==",
        "      • *Severity* S2",
        "      • *Commander* @alice",
        "      (Updates itself)",
        "    [Post update]",
        '[#aiinc-1-refusals] ai-incident pinned "== #1 Refusals spiked =="',
        "[#aiinc-1-refusals] ai-incident edited a message (edit 1):",
        "    -   • *Severity* S2",
        "    +   • *Severity* S1",
        "[#aiinc-1-refusals] (only alice sees) ai-incident:",
        "    Severity is now S1",
        'modal "Declare incident" opened for alice:',
        "    Title: <plain text input>",
        "    [Open]",
    ]
