"""Every Slack call of a runtime goes through one aiohttp session, closed at shutdown."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.config import Settings, load_settings
from bot.demo.rehearsal import rehearsal
from bot.slack.notifier import SharedSession, make_slack_client
from tests.rig import sqlite_file_url

ALICE = "U0ALICE"


def fake_settings() -> Settings:
    return load_settings(_env_file=None, slack_bot_token="xoxb-test")


async def test_the_runtime_s_slack_clients_share_one_session_and_shutdown_closes_it(
    tmp_path: Path,
) -> None:
    async with rehearsal(database_url=sqlite_file_url(tmp_path)) as rig:
        runtime = rig.runtime
        await runtime.deps.slack.auth_test()
        await runtime.effects_slack.auth_test()
        session = runtime.deps.slack.session
        assert isinstance(session, aiohttp.ClientSession)
        assert runtime.effects_slack.session is session
        # Bolt copies its client per request from this attribute.
        assert runtime.bolt.client.session is session
        # A command's own calls (the help answer) go through it as well, and it stays open.
        general = rig.emulator.channel_by_name("general")
        assert general is not None
        assert (await rig.slack.slash("help", user=ALICE, channel=general.id)).status_code == 200
        await rig.slack.settle()
        assert not session.closed
    assert session.closed


async def test_a_shared_session_belongs_to_the_loop_that_uses_it() -> None:
    shared = SharedSession()
    client = make_slack_client(fake_settings(), session=shared)
    first = client.session
    assert first is not None and client.session is first
    await shared.aclose()
    assert first.closed
    # Used again after closing (a runtime rebuilt in the same loop), it opens a new one.
    second = client.session
    assert second is not None and second is not first
    await shared.aclose()


def test_outside_a_loop_there_is_no_session_to_share() -> None:
    client = make_slack_client(fake_settings(), session=SharedSession())
    assert client.session is None


@pytest.mark.parametrize("for_effects", [False, True])
async def test_without_a_shared_session_each_call_makes_its_own(for_effects: bool) -> None:
    client = make_slack_client(fake_settings(), for_effects=for_effects)
    assert client.session is None
