"""A chat message as the core sees it, for adding it to a timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel


class SlackMessage(BaseModel):
    channel_id: str
    ts: str
    author_id: str | None = None
    text: str = ""
    permalink: str | None = None

    @property
    def posted_at(self) -> datetime:
        """Slack's ts is the epoch second the message was posted, with a sequence suffix."""
        return datetime.fromtimestamp(float(self.ts), UTC)
