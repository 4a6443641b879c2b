"""Typed modal state carried in `private_metadata` (Slack allows 3,000 characters).

Builders encode it when opening a modal; bot.slack.middleware decodes the submitted JSON and
listeners validate it into their state (`State.model_validate(context["metadata"])`). A
tampered or stale value fails validation instead of silently acting on the wrong incident.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.core.incidents.chat_message import SlackMessage

PRIVATE_METADATA_LIMIT = 3000


class ModalState(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def encode(self) -> str:
        raw = self.model_dump_json(exclude_none=True)
        if len(raw) > PRIVATE_METADATA_LIMIT:
            raise ValueError("modal state exceeds Slack's private_metadata limit")
        return raw


class DeclareState(ModalState):
    """Where `/ai-incident open` was typed, to answer there if something goes wrong."""

    origin_channel_id: str | None = None


class IncidentState(ModalState):
    """A modal that acts on one incident."""

    incident_number: int
    channel_id: str


class PinMessageState(ModalState):
    """The message a shortcut wants on a timeline, while the user picks the incident.

    The text travels too (cut to fit): the bot may not be able to read the source channel.
    """

    channel_id: str
    ts: str
    author_id: str | None = None
    text: str = ""
    user_ids: list[str] = []  # mentioned in the text

    def message(self) -> SlackMessage:
        return SlackMessage(
            channel_id=self.channel_id,
            ts=self.ts,
            author_id=self.author_id,
            text=self.text,
            user_ids=self.user_ids,
        )


class LeverState(ModalState):
    """Which stabilization lever of which phase a responder is pulling."""

    incident_number: int
    phase: str
    lever_id: str
