"""Facts the core hands on: what happened, to whom, in numbers, enums and people's words.

A use case records the events its state change implies in the outbox, in the same transaction
(bot/core/outbox.py); the Slack projector performs them after the commit. The core never words a
message for Slack: each feature declares its events next to its use cases (frozen dataclasses
deriving from `Event`, or from `Notice` for "tell the channel"), and the Slack edge turns them
into calls, text, mentions, emoji and escaping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import TypeAdapter

_KINDS: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Event:
    """Something the outside world should learn once the transaction that caused it commits.

    The class name is the kind stored in the outbox, so renaming an event class strands the
    rows already stored under the old name: keep names stable.
    """

    # Events with the same key for one incident collapse into the last one pending: performing
    # it shows the state every earlier one would have shown (a card re-render reads fresh data).
    coalesce_key: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        known = _KINDS.get(cls.__name__)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(
                f"two events named {cls.__name__}: the outbox could not tell them apart"
            )
        _KINDS[cls.__name__] = cls

    @property
    def kind(self) -> str:
        return type(self).__name__

    def coalesce(self) -> str | None:
        return self.coalesce_key


@dataclass(frozen=True)
class Notice(Event):
    """Something an incident's channel should be told."""

    channel_id: str


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(kind: type[Event]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind.__name__)
    if adapter is None:
        adapter = _ADAPTERS[kind.__name__] = TypeAdapter(kind)
    return adapter


def encode_event(event: Event) -> dict[str, Any]:
    """The event as JSON-ready data (enums as values, times as ISO 8601)."""
    data: dict[str, Any] = _adapter(type(event)).dump_python(event, mode="json")
    return data


def decode_event(kind: str, payload: dict[str, Any]) -> Event:
    """The event stored as (kind, payload); KeyError when no event of that kind is known."""
    event: Event = _adapter(_KINDS[kind]).validate_python(payload)
    return event
