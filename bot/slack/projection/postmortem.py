"""The close in Slack: the postmortem shared once in the channel, then the channel archived
where that is the team's setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.events import Event
from bot.core.outbox import OutboxEntry
from bot.core.postmortem.events import PostmortemCompiled
from bot.core.postmortem.notices import ClosingSummary
from bot.core.postmortem.reader import PostmortemReader
from bot.core.postmortem.service import closing_summary
from bot.slack.projector import Handler, Steps


class PostmortemEffects(Protocol):
    """The Slack calls this projection makes (bot/slack/postmortem_publisher.py)."""

    async def upload_markdown(
        self, *, channel_id: str, filename: str, title: str, content: str, summary: ClosingSummary
    ) -> str: ...

    async def find_upload(
        self, *, channel_id: str, filename: str, since: datetime
    ) -> str | None: ...

    async def archive_channel(self, *, channel_id: str) -> None: ...


@dataclass
class PostmortemProjection:
    reader: PostmortemReader
    publisher: PostmortemEffects
    archive_on_close: bool = False

    def handlers(self) -> dict[type[Event], list[tuple[str, Handler]]]:
        return {PostmortemCompiled: [("postmortem", self.compiled)]}

    async def compiled(self, entry: OutboxEntry, steps: Steps) -> None:
        event = entry.event
        assert isinstance(event, PostmortemCompiled)
        document = await self.reader.document(event.number)
        incident, postmortem = document.incident, document.postmortem
        channel_id = incident.channel_id
        if channel_id is None:
            return
        filename = f"incident-{event.number}-postmortem.md"
        summary = closing_summary(
            incident, postmortem, overridden=event.overridden, actor=event.actor
        )

        async def upload() -> str:
            return await self.publisher.upload_markdown(
                channel_id=channel_id,
                filename=filename,
                title=f"Postmortem: incident #{event.number} {incident.title}",
                content=postmortem.markdown,
                summary=summary,
            )

        await steps.once(
            "upload",
            upload,
            find=lambda: self.publisher.find_upload(
                channel_id=channel_id, filename=filename, since=entry.created_at
            ),
        )
        if self.archive_on_close:

            async def archive() -> bool:
                await self.publisher.archive_channel(channel_id=channel_id)
                return True

            await steps.once("archive", archive)
