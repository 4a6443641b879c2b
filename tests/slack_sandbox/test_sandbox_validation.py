"""Messages and views Slack would refuse are refused here too, with Slack's reasons."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from slack_sandbox.errors import ApiError
from slack_sandbox.validation import validate_message, validate_view
from tests.slack_sandbox.sandbox_support import (
    Sandbox,
    button,
    modal,
    served_sandbox,
    slack_error,
    text_input,
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


async def channel(sandbox: Sandbox) -> str:
    created = await sandbox.web().conversations_create(name="aiinc-1-validation")
    channel_id = created["channel"]["id"]
    assert isinstance(channel_id, str)
    return channel_id


async def test_a_button_label_over_75_characters_is_refused_with_the_reason(
    sandbox: Sandbox,
) -> None:
    channel_id = await channel(sandbox)
    blocks = [section("Card"), {"type": "actions", "elements": [button("x" * 76, "take")]}]
    with pytest.raises(SlackApiError) as raised:
        await sandbox.web().chat_postMessage(channel=channel_id, text="card", blocks=blocks)
    answer = raised.value.response
    assert answer["error"] == "invalid_blocks"
    [reason] = answer["response_metadata"]["messages"]
    assert "75" in reason and "/blocks/1" in reason
    assert sandbox.emulator.messages(channel_id) == []
    [rejection] = sandbox.emulator.rejections
    assert (rejection.method, rejection.error) == ("chat.postMessage", "invalid_blocks")
    assert rejection.params["blocks"] == blocks


async def test_51_blocks_are_too_many_for_a_message_and_50_are_fine(sandbox: Sandbox) -> None:
    channel_id = await channel(sandbox)
    web = sandbox.web()
    blocks = [section(f"row {n}") for n in range(51)]
    with pytest.raises(SlackApiError) as raised:
        await web.chat_postMessage(channel=channel_id, text="table", blocks=blocks)
    assert raised.value.response["error"] == "invalid_blocks"
    assert "no more than 50" in raised.value.response["response_metadata"]["messages"][0]
    await web.chat_postMessage(channel=channel_id, text="table", blocks=blocks[:50])
    assert len(sandbox.emulator.messages(channel_id)[0].blocks) == 50


async def test_text_limits_and_empty_messages(sandbox: Sandbox) -> None:
    channel_id = await channel(sandbox)
    web = sandbox.web()
    too_long = web.chat_postMessage(channel=channel_id, text="x" * 40_001)
    assert await slack_error(too_long) == "msg_too_long"
    with pytest.warns(UserWarning, match="text"):  # slack_sdk warns first, then Slack refuses
        assert await slack_error(web.chat_postMessage(channel=channel_id, text="")) == "no_text"
    await web.chat_postMessage(channel=channel_id, text="x" * 40_000)
    assert [r.error for r in sandbox.emulator.rejections] == ["msg_too_long", "no_text"]


async def test_updates_and_ephemerals_are_validated_like_posts(sandbox: Sandbox) -> None:
    channel_id = await channel(sandbox)
    web = sandbox.web()
    posted = await web.chat_postMessage(channel=channel_id, text="card", blocks=[section("v1")])
    bad = [{"type": "header", "text": {"type": "mrkdwn", "text": "*Incident*"}}]
    update = web.chat_update(channel=channel_id, ts=posted["ts"], text="card", blocks=bad)
    assert await slack_error(update) == "invalid_blocks"
    [message] = sandbox.emulator.messages(channel_id)
    assert message.edit_count == 0 and message.blocks[0]["text"]["text"] == "v1"
    general = sandbox.emulator.channel_by_name("general")
    assert general is not None
    ephemeral = web.chat_postEphemeral(channel=general.id, user="U0ALICE", blocks=bad, text="x")
    assert await slack_error(ephemeral) == "invalid_blocks"
    assert [r.method for r in sandbox.emulator.rejections] == ["chat.update", "chat.postEphemeral"]


def reasons(text: object, blocks: object) -> list[str]:
    with pytest.raises(ApiError) as raised:
        validate_message(text, blocks)
    return list(raised.value.messages)


def test_rules_the_slack_sdk_models_do_not_check() -> None:
    empty_section = [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}]
    assert "more than 0 characters" in reasons("x", empty_section)[0]
    duplicate = [dict(section("a"), block_id="card"), dict(section("b"), block_id="card")]
    assert "duplicate block_id" in reasons("x", duplicate)[0]
    unknown_block = [{"type": "carousel_of_doom"}]
    assert "unsupported block type" in reasons("x", unknown_block)[0]
    no_options = [
        {
            "type": "actions",
            "elements": [{"type": "static_select", "action_id": "sev", "options": []}],
        }
    ]
    assert "at least one option" in reasons("x", no_options)[0]
    twin_buttons = [{"type": "actions", "elements": [button("A", "go"), button("B", "go")]}]
    assert "duplicate action_id" in reasons("x", twin_buttons)[0]
    assert "blocks must be an array" in reasons("x", '{"type": "section"}')[0]


def test_a_valid_message_gets_block_ids_like_slack_assigns() -> None:
    text, blocks = validate_message("card", [section("a"), {"type": "divider"}])
    assert text == "card"
    assert all(isinstance(b["block_id"], str) and b["block_id"] for b in blocks)


async def test_a_modal_title_over_24_characters_is_refused(sandbox: Sandbox) -> None:
    web = sandbox.web()
    view = modal(text_input("title", "title"), title={"type": "plain_text", "text": "x" * 25})
    trigger = sandbox.emulator.mint_trigger_id(user="U0ALICE")
    with pytest.raises(SlackApiError) as raised:
        await web.views_open(trigger_id=trigger, view=view)
    assert raised.value.response["error"] == "invalid_arguments"
    assert "/view/title" in raised.value.response["response_metadata"]["messages"][0]
    assert sandbox.emulator.views == {}
    # The refusal did not use the trigger up: the corrected modal opens with it.
    fixed = modal(text_input("title", "title"))
    opened = await web.views_open(trigger_id=trigger, view=fixed)
    assert opened["view"]["id"].startswith("V0")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"private_metadata": "x" * 3001}, "/view/private_metadata"),
        ({"callback_id": "x" * 256}, "/view/callback_id"),
        ({"submit": None}, "submit property"),
        ({"title": None}, "needs a title"),
        ({"blocks": [section(f"{n}") for n in range(101)]}, "no more than 100"),
    ],
)
def test_modal_limits(change: dict[str, Any], expected: str) -> None:
    view = modal(text_input("title", "title"))
    view.update(change)
    view = {k: v for k, v in view.items() if v is not None}
    with pytest.raises(ApiError) as raised:
        validate_view(view, expected_type="modal")
    assert raised.value.error == "invalid_arguments"
    assert any(expected in m for m in raised.value.messages), raised.value.messages


def test_limits_at_their_edge_are_accepted() -> None:
    view = modal(
        *[section(f"{n}") for n in range(99)],
        text_input("title", "title"),
        private_metadata="x" * 3000,
        callback_id="c" * 255,
        title={"type": "plain_text", "text": "x" * 24},
    )
    accepted = validate_view(view, expected_type="modal")
    assert len(accepted["blocks"]) == 100


async def test_a_home_view_must_be_a_home_view(sandbox: Sandbox) -> None:
    web = sandbox.web()
    as_modal = web.views_publish(user_id="U0ALICE", view=modal(section("hi")))
    assert await slack_error(as_modal) == "invalid_arguments"
    home = {"type": "home", "blocks": [section("Open incidents: none")]}
    await web.views_publish(user_id="U0ALICE", view=home)
    assert sandbox.emulator.home_views["U0ALICE"].blocks[0]["text"]["text"] == (
        "Open incidents: none"
    )
