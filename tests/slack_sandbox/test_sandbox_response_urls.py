"""response_url posts (Bolt's `respond()`): ephemeral by default, in channel, replace, delete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.slack_sandbox.sandbox_support import Sandbox, button, served_sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


def general_id(sandbox: Sandbox) -> str:
    general = sandbox.emulator.channel_by_name("general")
    assert general is not None
    return general.id


async def test_a_response_is_ephemeral_to_the_person_by_default(sandbox: Sandbox) -> None:
    url = sandbox.emulator.mint_response_url(channel_id=general_id(sandbox), user_id="U0ALICE")
    assert url.startswith(sandbox.server.base_url + "/response/")
    answer = await AsyncRespond(response_url=url)(text="Not an incident channel.")
    assert answer.status_code == 200
    [ephemeral] = sandbox.emulator.ephemerals
    assert (ephemeral.user, ephemeral.channel, ephemeral.text) == (
        "U0ALICE",
        general_id(sandbox),
        "Not an incident channel.",
    )
    assert ephemeral.source == "response_url"
    assert sandbox.emulator.messages(general_id(sandbox)) == []


async def test_in_channel_responses_are_posted_for_everyone(sandbox: Sandbox) -> None:
    url = sandbox.emulator.mint_response_url(channel_id=general_id(sandbox), user_id="U0ALICE")
    await AsyncRespond(response_url=url)(text="Incident 3 is open", response_type="in_channel")
    [message] = sandbox.emulator.messages(general_id(sandbox))
    assert (message.text, message.user) == ("Incident 3 is open", "U0BOT")
    assert sandbox.emulator.ephemerals == []


async def test_replace_original_edits_the_message_the_button_was_on(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = general_id(sandbox)
    await web.conversations_join(channel=channel)
    blocks = [{"type": "actions", "elements": [button("Take it", "take", "42")]}]
    ts = (await web.chat_postMessage(channel=channel, text="Unowned item", blocks=blocks))["ts"]
    url = sandbox.emulator.mint_response_url(channel_id=channel, user_id="U0BOB", message_ts=ts)
    await AsyncRespond(response_url=url)(text="Bob took it", replace_original=True)
    [message] = sandbox.emulator.messages(channel)
    assert (message.ts, message.text, message.edit_count) == (ts, "Bob took it", 1)
    assert message.history[0].text == "Unowned item"

    again = sandbox.emulator.mint_response_url(channel_id=channel, user_id="U0BOB", message_ts=ts)
    await AsyncRespond(response_url=again)(delete_original=True)
    assert sandbox.emulator.messages(channel) == []


async def test_replace_original_after_a_slash_command_replaces_its_ephemeral(
    sandbox: Sandbox,
) -> None:
    url = sandbox.emulator.mint_response_url(channel_id=general_id(sandbox), user_id="U0ALICE")
    respond = AsyncRespond(response_url=url)
    await respond(text="Compiling the postmortem…")
    await respond(text="Postmortem ready", replace_original=True)
    [ephemeral] = sandbox.emulator.ephemerals
    assert (ephemeral.text, ephemeral.edit_count) == ("Postmortem ready", 1)


async def test_bad_blocks_are_refused_with_400_and_kept_as_rejections(sandbox: Sandbox) -> None:
    url = sandbox.emulator.mint_response_url(channel_id=general_id(sandbox), user_id="U0ALICE")
    bad = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    answer = await AsyncWebhookClient(url).send(text="help", blocks=bad)
    assert answer.status_code == 400
    assert '"invalid_blocks"' in answer.body
    assert sandbox.emulator.ephemerals == []
    [rejection] = sandbox.emulator.rejections
    assert (rejection.method, rejection.error) == ("response_url", "invalid_blocks")


async def test_a_response_url_works_five_times(sandbox: Sandbox) -> None:
    url = sandbox.emulator.mint_response_url(channel_id=general_id(sandbox), user_id="U0ALICE")
    client = AsyncWebhookClient(url)
    statuses = [(await client.send(text=f"note {n}")).status_code for n in range(6)]
    assert statuses == [200] * 5 + [404]
    assert len(sandbox.emulator.ephemerals) == 5
    unknown = await AsyncWebhookClient(sandbox.server.base_url + "/response/R0NOPE").send(text="x")
    assert unknown.status_code == 404


async def test_a_response_url_can_be_made_to_fail_like_any_method(sandbox: Sandbox) -> None:
    sandbox.emulator.fail("response_url", status=503)
    url = sandbox.emulator.mint_response_url(channel_id=general_id(sandbox), user_id="U0ALICE")
    respond = AsyncRespond(response_url=url)
    assert (await respond(text="first try")).status_code == 503
    assert (await respond(text="second try")).status_code == 200
    assert [e.text for e in sandbox.emulator.ephemerals] == ["second try"]
    assert [(c.method, c.status, c.injected) for c in sandbox.emulator.calls] == [
        ("response_url", 503, True),
        ("response_url", 200, False),
    ]
