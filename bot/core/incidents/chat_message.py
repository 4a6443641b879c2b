"""A chat message as the core sees it, for adding it to a timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field


class SlackMessage(BaseModel):
    """`text` is plain words: the Slack edge has already written mentions as
    `bot.core.timeline.person` does and lists the people mentioned in `user_ids`."""

    channel_id: str
    ts: str
    author_id: str | None = None
    text: str = ""
    user_ids: list[str] = Field(default_factory=list)
    permalink: str | None = None

    @property
    def posted_at(self) -> datetime:
        """Slack's ts is the epoch second the message was posted, with a sequence suffix."""
        return datetime.fromtimestamp(float(self.ts), UTC)
