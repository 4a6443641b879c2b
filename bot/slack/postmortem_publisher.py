"""The UserDirectory and PostmortemPublisher ports on Slack's Web API.

Names are what the postmortem prints ("@dana" rather than "U04ABCD"); they are looked up once
per process and kept, because a close names every participant and a rename mid-incident is
rare enough not to matter. The upload is slack_sdk's files_upload_v2 (the external upload
flow). The projector's instance runs on a client that does not re-send an upload after a 5xx
(bot.slack.notifier.make_slack_client): the projector looks for the file first.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.postmortem.notices import ClosingSummary
from bot.slack.effects import find_file
from bot.slack.messages.postmortem import closing_summary_text

log = logging.getLogger(__name__)

MAX_CACHED_NAMES = 5_000


class SlackPostmortemPublisher:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        self._names: dict[str, str] = {}

    async def display_names(self, *, user_ids: list[str]) -> dict[str, str]:
        missing = [user for user in dict.fromkeys(user_ids) if user not in self._names]
        found = await asyncio.gather(*(self._lookup(user) for user in missing))
        if len(self._names) > MAX_CACHED_NAMES:
            self._names.clear()
        for user, name in zip(missing, found, strict=True):
            if name:
                self._names[user] = name
        return {user: self._names[user] for user in user_ids if user in self._names}

    async def _lookup(self, user_id: str) -> str | None:
        try:
            response = await self._client.users_info(user=user_id)
        except SlackApiError as exc:
            # A deleted user or a bot id: the document shows the id, which is still correct.
            data = exc.response.data if exc.response is not None else None
            code = data.get("error") if isinstance(data, dict) else None
            log.info("no name for %s: %s", user_id, code)
            return None
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        for name in (profile.get("display_name"), user.get("real_name"), user.get("name")):
            if isinstance(name, str) and name.strip():
                return name.strip()
        return None

    async def upload_markdown(
        self,
        *,
        channel_id: str,
        filename: str,
        title: str,
        content: str,
        summary: ClosingSummary,
    ) -> str:
        """Share the file in the channel with the summary as its message; return its id."""
        response = await self._client.files_upload_v2(
            channel=channel_id,
            content=content,
            filename=filename,
            title=title,
            initial_comment=closing_summary_text(summary),
        )
        files = response.get("files") or [response.get("file") or {}]
        return str(files[0].get("id", ""))

    async def find_upload(self, *, channel_id: str, filename: str, since: datetime) -> str | None:
        return await find_file(self._client, channel_id=channel_id, filename=filename, since=since)

    async def archive_channel(self, *, channel_id: str) -> None:
        try:
            await self._client.conversations_archive(channel=channel_id)
        except SlackApiError as exc:
            data = exc.response.data if exc.response is not None else None
            if not isinstance(data, dict) or data.get("error") != "already_archived":
                raise
