"""Channels, membership, history and people, as slack_sdk sees them over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from slack_sandbox import DEFAULT_BOT_TOKEN
from tests.slack_sandbox.sandbox_support import Sandbox, served_sandbox, slack_error


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("a" * 81, "invalid_name_maxlength"),
        ("Refusals", "invalid_name_specials"),
        ("refusals spiked", "invalid_name_specials"),
        ("aiinc-1-réponses", "invalid_name_specials"),
        ("aiinc.1", "invalid_name_specials"),
        ("--", "invalid_name_punctuation"),
    ],
)
async def test_channel_names_follow_slacks_rules(sandbox: Sandbox, name: str, error: str) -> None:
    assert await slack_error(sandbox.web().conversations_create(name=name)) == error
    assert not [c for c in sandbox.emulator.channels if c.name == name]


async def test_the_longest_allowed_name_is_accepted(sandbox: Sandbox) -> None:
    name = "aiinc-12_" + "x" * 71
    assert len(name) == 80
    created = await sandbox.web().conversations_create(name=name)
    channel = sandbox.emulator.channel_by_name(name)
    assert channel is not None and channel.id == created["channel"]["id"]
    assert channel.id.startswith("C0")
    assert channel.members == [sandbox.emulator.bot_user_id]


async def test_a_taken_name_is_refused_whether_seeded_or_created(sandbox: Sandbox) -> None:
    web = sandbox.web()
    sandbox.emulator.add_channel("aiinc-1-refusals")
    assert await slack_error(web.conversations_create(name="aiinc-1-refusals")) == "name_taken"
    await web.conversations_create(name="aiinc-1-refusals-2")
    assert await slack_error(web.conversations_create(name="aiinc-1-refusals-2")) == "name_taken"
    assert len([c for c in sandbox.emulator.channels if c.name.startswith("aiinc-1")]) == 2


async def test_invite_adds_people_and_refuses_unknown_users(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel_id = (await web.conversations_create(name="aiinc-2-drift"))["channel"]["id"]
    await web.conversations_invite(channel=channel_id, users=["U0ALICE", "U0BOB"])
    assert sandbox.emulator.channel(channel_id).members == ["U0BOT", "U0ALICE", "U0BOB"]
    members = await web.conversations_members(channel=channel_id)
    assert members["members"] == ["U0BOT", "U0ALICE", "U0BOB"]
    unknown = web.conversations_invite(channel=channel_id, users="U0NOBODY")
    assert await slack_error(unknown) == "user_not_found"


async def test_one_failing_invite_invites_nobody_unless_forced(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel_id = (await web.conversations_create(name="aiinc-2-drift"))["channel"]["id"]
    await web.conversations_invite(channel=channel_id, users="U0ALICE")
    mixed = web.conversations_invite(channel=channel_id, users=["U0ALICE", "U0CAROL"])
    assert await slack_error(mixed) == "already_in_channel"
    assert "U0CAROL" not in sandbox.emulator.channel(channel_id).members
    forced = await web.conversations_invite(
        channel=channel_id, users=["U0ALICE", "U0CAROL"], force=True
    )
    assert forced["errors"] == [{"user": "U0ALICE", "ok": False, "error": "already_in_channel"}]
    assert sandbox.emulator.channel(channel_id).members == ["U0BOT", "U0ALICE", "U0CAROL"]


async def test_the_app_must_join_a_seeded_channel_before_pinning_there(sandbox: Sandbox) -> None:
    web = sandbox.web()
    announce = sandbox.emulator.add_channel("ai-incidents")
    posted = await web.chat_postMessage(channel=announce.id, text="Incident 1 opened")
    assert await slack_error(web.pins_add(channel=announce.id, timestamp=posted["ts"])) == (
        "not_in_channel"
    )
    await web.conversations_join(channel=announce.id)
    await web.pins_add(channel=announce.id, timestamp=posted["ts"])
    assert [m.ts for m in sandbox.emulator.pins(announce.id)] == [posted["ts"]]


async def test_history_needs_the_app_in_the_channel(sandbox: Sandbox) -> None:
    general = sandbox.emulator.channel_by_name("general")
    assert general is not None
    sandbox.emulator.post_user_message(general.id, "U0ALICE", "morning")
    web = sandbox.web()
    assert await slack_error(web.conversations_history(channel=general.id)) == "not_in_channel"
    await web.conversations_join(channel=general.id)
    history = await web.conversations_history(channel=general.id)
    assert [(m["user"], m["text"]) for m in history["messages"]] == [("U0ALICE", "morning")]


async def test_history_reads_newest_first_within_the_window(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel_id = (await web.conversations_create(name="aiinc-3-history"))["channel"]["id"]
    stamps = [
        (await web.chat_postMessage(channel=channel_id, text=f"update {n}"))["ts"] for n in range(5)
    ]
    assert stamps == sorted(stamps, key=lambda ts: tuple(int(p) for p in ts.split(".")))
    assert len(set(stamps)) == 5

    first_page = await web.conversations_history(channel=channel_id, limit=2)
    assert [m["text"] for m in first_page["messages"]] == ["update 4", "update 3"]
    assert first_page["has_more"] is True
    cursor = first_page["response_metadata"]["next_cursor"]
    second_page = await web.conversations_history(channel=channel_id, limit=2, cursor=cursor)
    assert [m["text"] for m in second_page["messages"]] == ["update 2", "update 1"]

    window = await web.conversations_history(
        channel=channel_id, latest=stamps[3], oldest=stamps[1], inclusive=True
    )
    assert [m["ts"] for m in window["messages"]] == [stamps[3], stamps[2], stamps[1]]
    exclusive = await web.conversations_history(
        channel=channel_id, latest=stamps[3], oldest=stamps[1]
    )
    assert [m["ts"] for m in exclusive["messages"]] == [stamps[2]]


async def test_thread_replies_stay_out_of_history_and_show_in_replies(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel_id = (await web.conversations_create(name="aiinc-4-thread"))["channel"]["id"]
    parent = (await web.chat_postMessage(channel=channel_id, text="Status"))["ts"]
    await web.chat_postMessage(channel=channel_id, text="detail", thread_ts=parent)
    history = await web.conversations_history(channel=channel_id)
    assert [m["text"] for m in history["messages"]] == ["Status"]
    assert history["messages"][0]["reply_count"] == 1
    replies = await web.conversations_replies(channel=channel_id, ts=parent)
    assert [m["text"] for m in replies["messages"]] == ["Status", "detail"]
    orphan = web.chat_postMessage(channel=channel_id, text="x", thread_ts="1.000001")
    assert await slack_error(orphan) == "thread_not_found"


async def test_conversations_open_gives_one_dm_per_person(sandbox: Sandbox) -> None:
    web = sandbox.web()
    first = (await web.conversations_open(users="U0BOB"))["channel"]["id"]
    second = (await web.conversations_open(users=["U0BOB"]))["channel"]["id"]
    assert first == second and first.startswith("D0")
    await web.chat_postMessage(channel=first, text="Your action item is overdue")
    [message] = sandbox.emulator.messages(first)
    assert message.text == "Your action item is overdue"
    assert sandbox.emulator.dm_channel_id("U0BOB") == first


async def test_people_carry_their_time_zone(sandbox: Sandbox) -> None:
    sandbox.emulator.add_user(id="U0DAVE", name="dave", tz="America/Los_Angeles")
    alice = (await sandbox.web().users_info(user="U0ALICE"))["user"]
    assert (alice["name"], alice["tz"]) == ("alice", "Europe/Paris")
    assert alice["tz_offset"] in (3600, 7200)  # CET or CEST, whatever today is
    dave = (await sandbox.web().users_info(user="U0DAVE"))["user"]
    assert dave["tz_offset"] in (-8 * 3600, -7 * 3600)
    everyone = await sandbox.web().users_list()
    assert {"U0BOT", "U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"} <= {
        m["id"] for m in everyone["members"]
    }
    unknown = sandbox.web().users_info(user="U0NOBODY")
    assert await slack_error(unknown) == "user_not_found"


async def test_users_conversations_lists_where_a_person_is(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel_id = (await web.conversations_create(name="aiinc-5-scope"))["channel"]["id"]
    await web.conversations_invite(channel=channel_id, users="U0CAROL")
    listed = await web.users_conversations(user="U0CAROL")
    assert {c["name"] for c in listed["channels"]} == {"general", "aiinc-5-scope"}


async def test_a_wrong_or_missing_token_is_invalid_auth(sandbox: Sandbox) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=sandbox.server.api_url)
    assert await slack_error(wrong.auth_test()) == "invalid_auth"
    missing = AsyncWebClient(base_url=sandbox.server.api_url)
    assert await slack_error(missing.auth_test()) == "invalid_auth"
    me = await sandbox.web().auth_test()
    assert (me["user_id"], me["team_id"]) == ("U0BOT", "T0SANDBOX")


async def test_an_unknown_method_is_answered_like_slack(sandbox: Sandbox) -> None:
    call = sandbox.web().api_call("chat.scheduleTelepathy", params={"channel": "C1"})
    assert await slack_error(call) == "unknown_method"


async def test_calls_are_recorded_in_order_without_the_token(sandbox: Sandbox) -> None:
    web = sandbox.web()
    await web.auth_test()
    created = await web.conversations_create(name="aiinc-6-calls")
    await web.api_call("conversations.info", params={"channel": created["channel"]["id"]})
    calls = sandbox.emulator.calls
    assert [c.method for c in calls] == [
        "auth.test",
        "conversations.create",
        "conversations.info",
    ]
    assert all(c.ok and not c.injected for c in calls)
    assert sandbox.emulator.calls_to("conversations.create") == [{"name": "aiinc-6-calls"}]
    assert DEFAULT_BOT_TOKEN not in repr(calls)
