"""Typed modal state carried in `private_metadata` (Slack allows 3,000 characters).

Builders encode it when opening a modal; listeners decode it from the submission. A tampered
or stale value fails validation instead of silently acting on the wrong incident.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict

PRIVATE_METADATA_LIMIT = 3000

StateT = TypeVar("StateT", bound="ModalState")


class ModalState(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def encode(self) -> str:
        raw = self.model_dump_json(exclude_none=True)
        if len(raw) > PRIVATE_METADATA_LIMIT:
            raise ValueError("modal state exceeds Slack's private_metadata limit")
        return raw

    @classmethod
    def decode(cls: type[StateT], raw: str | None) -> StateT:
        return cls.model_validate_json(raw or "{}")


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


class LeverState(ModalState):
    """Which stabilization lever of which phase a responder is pulling."""

    incident_number: int
    phase: str
    lever_id: str
