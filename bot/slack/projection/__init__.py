"""What each feature's events mean in Slack: one module per feature, as in every other layer.

Each module offers `handlers()`, a map from event type to the (namespace, handler) pairs that
perform it; `merge` joins them, keeping the order features are given in (the incident's
channel is made before a runbook posts its checklist into it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.events import Event
from bot.slack.projector import Handler

Handlers = Mapping[type[Event], Sequence[tuple[str, Handler]]]


def merge(*maps: Handlers) -> dict[type[Event], list[tuple[str, Handler]]]:
    merged: dict[type[Event], list[tuple[str, Handler]]] = {}
    for handlers in maps:
        for kind, pairs in handlers.items():
            merged.setdefault(kind, []).extend(pairs)
    return merged
