"""files.list: how an app finds a file it may already have shared (a postmortem after a crash).

Files are listed newest first once their upload completed, filtered by channel, uploader,
creation time and type, and paged either the documented way (`count`/`page`) or by cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slack_sandbox import DEFAULT_BOT_TOKEN, SandboxServer, SlackEmulator
from tests.slack_sandbox.sandbox_support import FakeClock, slack_error

START = 1_780_000_000


class WallClock:
    """Wall time a test moves by hand, so each upload gets the `created` the test chose."""

    def __init__(self) -> None:
        self.now = float(START)

    def __call__(self) -> float:
        return self.now


class Workspace:
    def __init__(self, emulator: SlackEmulator, server: SandboxServer, wall: WallClock) -> None:
        self.emulator = emulator
        self.web = AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=server.api_url)
        self.wall = wall

    async def channel(self, name: str) -> str:
        created = await self.web.conversations_create(name=name)
        channel_id = created["channel"]["id"]
        assert isinstance(channel_id, str)
        return channel_id

    async def share(self, channel: str, filename: str, *, at: int, title: str = "") -> str:
        self.wall.now = float(at)
        uploaded = await self.web.files_upload_v2(
            channel=channel, content=f"# {filename}\n", filename=filename, title=title or filename
        )
        file_id = uploaded["file"]["id"]
        assert isinstance(file_id, str)
        return file_id


@pytest.fixture
def ws() -> Iterator[Workspace]:
    wall = WallClock()
    emulator = SlackEmulator(clock=FakeClock(), wall_clock=wall)
    with SandboxServer(emulator) as server:
        yield Workspace(emulator, server, wall)


def ids(answer: Any) -> list[str]:
    return [f["id"] for f in answer["files"]]


async def test_a_channels_files_newest_first_with_what_identifies_them(ws: Workspace) -> None:
    incident = await ws.channel("aiinc-4-drift")
    other = await ws.channel("aiinc-5-other")
    draft = await ws.share(incident, "draft.md", at=START + 10)
    elsewhere = await ws.share(other, "elsewhere.md", at=START + 20)
    final = await ws.share(incident, "aiinc-4-postmortem.md", at=START + 30, title="Postmortem 4")

    listed = await ws.web.files_list(channel=incident)
    assert ids(listed) == [final, draft]
    newest = listed["files"][0]
    assert (newest["name"], newest["title"], newest["created"]) == (
        "aiinc-4-postmortem.md",
        "Postmortem 4",
        START + 30,
    )
    assert newest["channels"] == [incident]
    [share] = newest["shares"]["public"][incident]
    assert share["ts"] == ws.emulator.messages(incident)[-1].ts
    assert listed["paging"] == {"count": 100, "total": 2, "page": 1, "pages": 1}

    assert ids(await ws.web.files_list()) == [final, elsewhere, draft]


async def test_uploads_in_the_same_second_list_the_later_first(ws: Workspace) -> None:
    channel = await ws.channel("aiinc-6-burst")
    first = await ws.share(channel, "a.md", at=START)
    second = await ws.share(channel, "b.md", at=START)
    assert ids(await ws.web.files_list(channel=channel)) == [second, first]


async def test_creation_time_bounds_are_inclusive(ws: Workspace) -> None:
    channel = await ws.channel("aiinc-7-window")
    early, middle, late = [
        await ws.share(channel, f"{n}.md", at=START + 100 * n) for n in (1, 2, 3)
    ]
    window = await ws.web.files_list(
        channel=channel, ts_from=str(START + 100), ts_to=str(START + 200)
    )
    assert ids(window) == [middle, early]
    assert ids(await ws.web.files_list(ts_from=str(START + 201))) == [late]


async def test_types_filter_and_unknown_types(ws: Workspace) -> None:
    channel = await ws.channel("aiinc-8-types")
    chart = await ws.share(channel, "slice-chart.png", at=START)
    notes = await ws.share(channel, "notes.md", at=START + 1)
    assert ids(await ws.web.files_list(types="images")) == [chart]
    assert ids(await ws.web.files_list(types="pdfs,zips")) == []
    assert ids(await ws.web.files_list(types="all")) == [notes, chart]
    assert await slack_error(ws.web.files_list(types="spreadsheets")) == "unknown_type"


async def test_unknown_channel_and_user_are_errors(ws: Workspace) -> None:
    assert await slack_error(ws.web.files_list(channel="C999999999")) == "channel_not_found"
    assert await slack_error(ws.web.files_list(user="U999999999")) == "user_not_found"
    assert ids(await ws.web.files_list(user="U0ALICE")) == []


async def test_count_and_page(ws: Workspace) -> None:
    channel = await ws.channel("aiinc-9-pages")
    shared = [await ws.share(channel, f"{n}.md", at=START + n) for n in range(5)]
    newest_first = list(reversed(shared))
    second = await ws.web.files_list(channel=channel, count=2, page=2)
    assert ids(second) == newest_first[2:4]
    assert second["paging"] == {"count": 2, "total": 5, "page": 2, "pages": 3}
    assert ids(await ws.web.files_list(channel=channel, count=2, page=3)) == newest_first[4:]


async def test_cursor_paging_walks_every_file_once(ws: Workspace) -> None:
    channel = await ws.channel("aiinc-10-cursor")
    shared = [await ws.share(channel, f"{n}.md", at=START + n) for n in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        answer = await ws.web.files_list(channel=channel, limit=2, cursor=cursor)
        seen += ids(answer)
        cursor = answer["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(shared))


async def test_an_upload_never_completed_is_not_listed(ws: Workspace) -> None:
    ws.emulator.fail("files.completeUploadExternal", status=500)
    channel = await ws.channel("aiinc-11-half")
    with pytest.raises(SlackApiError) as raised:
        await ws.share(channel, "half.md", at=START)
    assert raised.value.response.status_code == 500
    listed = await ws.web.files_list(channel=channel)
    assert listed["files"] == []
    assert listed["paging"]["total"] == 0
