"""Messages over their life: posted, threaded, reacted to, pinned, linked, edited, deleted."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.slack_sandbox.sandbox_support import Sandbox, served_sandbox, slack_error


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


def ts_key(ts: str) -> tuple[int, int]:
    seconds, micros = ts.split(".")
    return int(seconds), int(micros)


async def test_concurrent_posts_get_distinct_increasing_timestamps(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-1-busy"))["channel"]["id"]
    answers = await asyncio.gather(
        *(web.chat_postMessage(channel=channel, text=f"tick {n}") for n in range(20))
    )
    stamps = [m.ts for m in sandbox.emulator.messages(channel)]
    assert sorted(stamps, key=ts_key) == stamps
    assert len(set(stamps)) == 20
    assert {a["ts"] for a in answers} == set(stamps)
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


async def test_pins_reactions_permalinks_and_deletes(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-2-life"))["channel"]["id"]
    card = (await web.chat_postMessage(channel=channel, text="card"))["ts"]
    note = (await web.chat_postMessage(channel=channel, text="note"))["ts"]

    await web.pins_add(channel=channel, timestamp=card)
    assert await slack_error(web.pins_add(channel=channel, timestamp=card)) == "already_pinned"
    listed = await web.pins_list(channel=channel)
    assert [item["message"]["ts"] for item in listed["items"]] == [card]

    await web.reactions_add(channel=channel, timestamp=note, name="white_check_mark")
    again = web.reactions_add(channel=channel, timestamp=note, name="white_check_mark")
    assert await slack_error(again) == "already_reacted"
    assert sandbox.emulator.message(channel, note).reactions == {"white_check_mark": ["U0BOT"]}

    link = (await web.chat_getPermalink(channel=channel, message_ts=note))["permalink"]
    assert link.endswith(f"/archives/{channel}/p{note.replace('.', '')}")

    await web.chat_delete(channel=channel, ts=note)
    assert [m.ts for m in sandbox.emulator.messages(channel)] == [card]
    assert await slack_error(web.chat_delete(channel=channel, ts=note)) == "message_not_found"


async def test_the_app_cannot_edit_or_delete_what_a_person_wrote(sandbox: Sandbox) -> None:
    web = sandbox.web()
    general = sandbox.emulator.channel_by_name("general")
    assert general is not None
    ts = sandbox.emulator.post_user_message(general.id, "U0BOB", "I think it is the judge")
    update = web.chat_update(channel=general.id, ts=ts, text="edited by the bot")
    assert await slack_error(update) == "cant_update_message"
    assert await slack_error(web.chat_delete(channel=general.id, ts=ts)) == "cant_delete_message"
    assert sandbox.emulator.message(general.id, ts).text == "I think it is the judge"


async def test_an_ephemeral_needs_the_person_in_the_channel(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-3-private-ish"))["channel"]["id"]
    absent = web.chat_postEphemeral(channel=channel, user="U0CAROL", text="psst")
    assert await slack_error(absent) == "user_not_in_channel"
    await web.conversations_invite(channel=channel, users="U0CAROL")
    await web.chat_postEphemeral(channel=channel, user="U0CAROL", text="psst")
    [ephemeral] = sandbox.emulator.ephemerals_for("U0CAROL", channel)
    assert ephemeral.text == "psst"
    assert sandbox.emulator.messages(channel) == []


async def test_an_archived_channel_takes_no_more_messages(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel = (await web.conversations_create(name="aiinc-4-closed"))["channel"]["id"]
    await web.conversations_archive(channel=channel)
    assert sandbox.emulator.channel(channel).is_archived
    posted = web.chat_postMessage(channel=channel, text="late")
    assert await slack_error(posted) == "is_archived"
    again = web.conversations_archive(channel=channel)
    assert await slack_error(again) == "already_archived"
