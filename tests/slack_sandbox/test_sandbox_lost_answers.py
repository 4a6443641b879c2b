"""Ambiguous failures: Slack did the work, the app got a 5xx. The app must look before retrying.

`fail(..., after_work=True)` performs the call and then answers the failure; the call record
says both, so a test can tell what really happened from what the app was told.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError

from slack_sandbox import BOT_USER_ID
from tests.slack_sandbox.sandbox_support import Sandbox, served_sandbox, slack_error

CARD = {"event_type": "incident_card", "event_payload": {"incident": 3}}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


async def test_a_lost_post_is_in_the_channel_and_found_again_by_metadata(
    sandbox: Sandbox,
) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-3-card"))["channel"]["id"]
    sandbox.emulator.fail("chat.postMessage", status=503, after_work=True)

    with pytest.raises(SlackApiError) as raised:
        await web.chat_postMessage(channel=channel, text="Incident 3", metadata=CARD)
    assert raised.value.response.status_code == 503
    assert raised.value.response["error"] == "internal_error"

    [posted] = sandbox.emulator.messages(channel)
    assert (posted.text, posted.metadata) == ("Incident 3", CARD)
    call = sandbox.emulator.calls[-1]
    assert (call.method, call.status, call.ok, call.injected, call.performed) == (
        "chat.postMessage",
        503,
        False,
        True,
        True,
    )
    assert call.lost_answer is not None
    assert call.lost_answer["ts"] == posted.ts

    history = await web.conversations_history(channel=channel, include_all_metadata=True)
    found = [m["ts"] for m in history["messages"] if m.get("metadata") == CARD]
    assert found == [posted.ts]


async def test_a_lost_channel_create_makes_the_retry_collide(sandbox: Sandbox) -> None:
    web = sandbox.web()
    sandbox.emulator.fail("conversations.create", status=500, after_work=True)
    with pytest.raises(SlackApiError):
        await web.conversations_create(name="aiinc-4-scope")
    assert await slack_error(web.conversations_create(name="aiinc-4-scope")) == "name_taken"

    listed = await web.conversations_list(types="public_channel")
    [mine] = [c for c in listed["channels"] if c["name"] == "aiinc-4-scope"]
    assert mine["creator"] == BOT_USER_ID
    assert [c.name for c in sandbox.emulator.channels].count("aiinc-4-scope") == 1


async def test_a_lost_upload_completion_still_shares_the_file(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-5-pm"))["channel"]["id"]
    sandbox.emulator.fail("files.completeUploadExternal", status=500, after_work=True)
    with pytest.raises(SlackApiError):
        await web.files_upload_v2(channel=channel, content="# PM\n", filename="aiinc-5.md")
    listed = await web.files_list(channel=channel)
    assert [f["name"] for f in listed["files"]] == ["aiinc-5.md"]
    [stored] = sandbox.emulator.files
    assert [c for c, _ in stored.shares] == [channel]


async def test_a_failure_before_the_work_changes_nothing_and_says_so(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-6-clean"))["channel"]["id"]
    sandbox.emulator.fail("chat.postMessage", status=500)
    with pytest.raises(SlackApiError):
        await web.chat_postMessage(channel=channel, text="never")
    assert sandbox.emulator.messages(channel) == []
    call = sandbox.emulator.calls[-1]
    assert (call.injected, call.performed, call.lost_answer) == (True, False, None)


async def test_after_work_runs_for_the_next_calls_only(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-7-twice"))["channel"]["id"]
    sandbox.emulator.fail("chat.postMessage", status=500, after_work=True, times=2)
    for n in range(2):
        with pytest.raises(SlackApiError):
            await web.chat_postMessage(channel=channel, text=f"try {n}")
    await web.chat_postMessage(channel=channel, text="try 2")
    assert [m.text for m in sandbox.emulator.messages(channel)] == ["try 0", "try 1", "try 2"]
    posts = [c for c in sandbox.emulator.calls if c.method == "chat.postMessage"]
    assert [(c.performed, c.injected, c.status) for c in posts] == [
        (True, True, 500),
        (True, True, 500),
        (True, False, 200),
    ]


async def test_a_lost_answer_to_a_refused_call_keeps_the_refusal(sandbox: Sandbox) -> None:
    web = sandbox.web()
    sandbox.emulator.fail("conversations.create", status=502, after_work=True)
    with pytest.raises(SlackApiError):
        await web.conversations_create(name="Not A Valid Name")
    call = sandbox.emulator.calls[-1]
    assert call.lost_answer == {"ok": False, "error": "invalid_name_specials"}
    assert sandbox.emulator.channel_by_name("Not A Valid Name") is None


def test_only_a_server_error_can_hide_done_work() -> None:
    with served_sandbox() as sandbox:
        with pytest.raises(ValueError, match="5xx"):
            sandbox.emulator.fail("chat.postMessage", after_work=True)
        with pytest.raises(ValueError, match="5xx"):
            sandbox.emulator.fail("chat.postMessage", error="channel_not_found", after_work=True)


async def test_a_lost_answer_on_a_response_url_still_delivers(sandbox: Sandbox) -> None:
    general = sandbox.emulator.channel_by_name("general")
    assert general is not None
    url = sandbox.emulator.mint_response_url(channel_id=general.id, user_id="U0ALICE")
    sandbox.emulator.fail("response_url", status=500, after_work=True)
    answer = await AsyncRespond(response_url=url)(text="Incident 3 is open")
    assert answer.status_code == 500
    [ephemeral] = sandbox.emulator.ephemerals
    assert (ephemeral.user, ephemeral.text) == ("U0ALICE", "Incident 3 is open")
    [call] = sandbox.emulator.calls
    assert (call.method, call.performed, call.lost_answer) == ("response_url", True, {"ok": True})
