"""Message metadata as Slack keeps it: stored with the message, read back only when asked for.

An app that finds its own message again by metadata (after a crash, before retrying a post) must
pass `include_all_metadata`; the sandbox answers without metadata otherwise, as Slack does, so
an app that forgets the flag cannot pass here and fail in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.slack_sandbox.sandbox_support import Sandbox, served_sandbox, slack_error

CARD = {"event_type": "incident_card", "event_payload": {"incident": 7, "outbox_event": 41}}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


async def test_history_gives_metadata_only_when_asked(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-7-card"))["channel"]["id"]
    posted = await web.chat_postMessage(channel=channel, text="Incident 7", metadata=CARD)
    await web.chat_postMessage(channel=channel, text="a note without metadata")

    plain = await web.conversations_history(channel=channel)
    assert all("metadata" not in m for m in plain["messages"])

    full = await web.conversations_history(channel=channel, include_all_metadata=True)
    by_ts = {m["ts"]: m.get("metadata") for m in full["messages"]}
    assert by_ts[posted["ts"]] == CARD
    assert list(by_ts.values()).count(None) == 1

    [stored, _] = sandbox.emulator.messages(channel)
    assert stored.metadata == CARD


async def test_replies_follow_the_same_rule(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-8-thread"))["channel"]["id"]
    root = (await web.chat_postMessage(channel=channel, text="root"))["ts"]
    reply = {"event_type": "stakeholder_update", "event_payload": {"incident": 8}}
    await web.chat_postMessage(channel=channel, text="update", thread_ts=root, metadata=reply)

    plain = await web.conversations_replies(channel=channel, ts=root)
    assert [m.get("metadata") for m in plain["messages"]] == [None, None]
    full = await web.conversations_replies(channel=channel, ts=root, include_all_metadata=True)
    assert [m.get("metadata") for m in full["messages"]] == [None, reply]


async def test_an_update_keeps_metadata_unless_it_sends_new(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-9-edit"))["channel"]["id"]
    ts = (await web.chat_postMessage(channel=channel, text="v1", metadata=CARD))["ts"]

    await web.chat_update(channel=channel, ts=ts, text="v2")
    assert sandbox.emulator.message(channel, ts).metadata == CARD

    newer = {"event_type": "incident_card", "event_payload": {"incident": 7, "outbox_event": 42}}
    await web.chat_update(channel=channel, ts=ts, text="v3", metadata=newer)
    stored = sandbox.emulator.message(channel, ts)
    assert (stored.text, stored.metadata, stored.edit_count) == ("v3", newer, 2)


async def test_metadata_without_an_event_type_is_refused(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-10-bad"))["channel"]["id"]
    refused = web.chat_postMessage(channel=channel, text="x", metadata={"event_payload": {}})
    assert await slack_error(refused) == "invalid_metadata_format"
    assert sandbox.emulator.messages(channel) == []
    [rejection] = sandbox.emulator.rejections
    assert (rejection.method, rejection.error) == ("chat.postMessage", "invalid_metadata_format")
