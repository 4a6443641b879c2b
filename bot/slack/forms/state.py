"""Typed modal state carried in `private_metadata` (Slack allows 3,000 characters).

Builders encode it when opening a modal; bot.slack.middleware decodes the submitted JSON and
listeners decode it into their state (`State.decode(context["metadata"])`). A tampered or
stale value is refused (MalformedPayload) instead of silently acting on the wrong incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from bot.core.incidents.chat_message import SlackMessage
from bot.slack.payloads import LARGEST_ID, MalformedPayload

PRIVATE_METADATA_LIMIT = 3000


class ModalState(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def encode(self) -> str:
        raw = self.model_dump_json(exclude_none=True)
        if len(raw) > PRIVATE_METADATA_LIMIT:
            raise ValueError("modal state exceeds Slack's private_metadata limit")
        return raw

    @classmethod
    def decode(cls, metadata: Mapping[str, Any]) -> Self:
        """The state this bot wrote into a modal, as its submission brings it back."""
        try:
            return cls.model_validate(metadata)
        except ValidationError as invalid:
            first = invalid.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "state"
            raise MalformedPayload(f"modal state {where}: {first['msg']}") from None

    @model_validator(mode="after")
    def _ids_fit_their_columns(self) -> Self:
        # Every whole number in a modal's state is an incident number or a row id.
        for name, value in self:
            if isinstance(value, int) and not 0 <= value <= LARGEST_ID:
                raise ValueError(f"{name} is no incident number or row id")
        return self


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
    permalink: str | None = None  # known when the message becomes a regression case

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
