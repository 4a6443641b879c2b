"""slack_sdk's files_upload_v2 runs its three steps against the sandbox and the file is shared."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from slack_sandbox import DEFAULT_BOT_TOKEN
from tests.slack_sandbox.sandbox_support import Sandbox, served_sandbox, slack_error

POSTMORTEM = "# Incident 4 postmortem\n\n## Detection\nJudge alarm at 09:12 UTC.\n"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


async def test_files_upload_v2_round_trip(sandbox: Sandbox) -> None:
    web = sandbox.web()
    channel_id = (await web.conversations_create(name="aiinc-4-postmortem"))["channel"]["id"]
    uploaded = await web.files_upload_v2(
        channel=channel_id,
        content=POSTMORTEM,
        filename="aiinc-4-postmortem.md",
        title="Postmortem: incident 4",
        initial_comment="The postmortem is compiled; 2 review flags remain.",
    )
    file_id = uploaded["file"]["id"]
    assert file_id.startswith("F0")

    [stored] = sandbox.emulator.files
    assert (stored.id, stored.title, stored.text) == (
        file_id,
        "Postmortem: incident 4",
        POSTMORTEM,
    )
    [message] = sandbox.emulator.messages(channel_id)
    assert message.text == "The postmortem is compiled; 2 review flags remain."
    assert message.files == [file_id]
    assert stored.shares == [(channel_id, message.ts)]

    info = await web.files_info(file=file_id)
    assert info["file"]["channels"] == [channel_id]
    async with httpx.AsyncClient() as http:
        download = await http.get(
            info["file"]["url_private"], headers={"Authorization": f"Bearer {DEFAULT_BOT_TOKEN}"}
        )
        refused = await http.get(info["file"]["url_private"])
    assert download.content.decode() == POSTMORTEM
    assert refused.status_code == 403
    assert [c.method for c in sandbox.emulator.calls] == [
        "conversations.create",
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
        "files.info",
    ]
    assert "Postmortem: incident 4" in sandbox.emulator.transcript()


async def test_completing_an_upload_that_never_arrived_fails(sandbox: Sandbox) -> None:
    web = sandbox.web()
    started = await web.files_getUploadURLExternal(filename="pm.md", length=10)
    incomplete = web.files_completeUploadExternal(
        files=[{"id": started["file_id"], "title": "pm"}], channel_id="C000000001"
    )
    assert await slack_error(incomplete) == "file_not_found"
    assert sandbox.emulator.files == []
