"""User groups (usergroups.users.list) and private channels, as slack_sdk sees them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.slack_sandbox.sandbox_support import Sandbox, served_sandbox, slack_error


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


async def test_a_user_group_lists_its_members(sandbox: Sandbox) -> None:
    group = sandbox.emulator.add_user_group("incident-admins", members=["U0BOB", "U0CAROL"])
    assert group.startswith("S")
    answer = await sandbox.web().usergroups_users_list(usergroup=group)
    assert answer["users"] == ["U0BOB", "U0CAROL"]


async def test_an_unknown_user_group_is_refused(sandbox: Sandbox) -> None:
    error = await slack_error(sandbox.web().usergroups_users_list(usergroup="S0NOSUCH"))
    assert error == "no_such_subteam"


def test_a_user_group_of_unknown_people_cannot_be_seeded(sandbox: Sandbox) -> None:
    with pytest.raises(Exception, match="user_not_found"):
        sandbox.emulator.add_user_group("ghosts", members=["U0NOBODY"])


async def test_a_private_channel_shows_its_members_only_to_a_member_bot(sandbox: Sandbox) -> None:
    web = sandbox.web()
    created = await web.conversations_create(name="aiinc-3-private", is_private=True)
    channel_id = created["channel"]["id"]
    info = await web.conversations_info(channel=channel_id)
    assert info["channel"]["is_private"] is True
    await web.conversations_invite(channel=channel_id, users="U0ALICE")
    members = await web.conversations_members(channel=channel_id)
    assert members["members"] == ["U0BOT", "U0ALICE"]
