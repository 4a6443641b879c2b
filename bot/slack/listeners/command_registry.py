"""The shape every subcommand handler has, shared by the per-feature command modules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps


@dataclass(frozen=True)
class Invocation:
    """One slash command as the handlers need it."""

    name: str
    args: str
    user_id: str
    channel_id: str
    trigger_id: str


Handler = Callable[[Invocation, Deps, AsyncRespond, AsyncWebClient], Awaitable[None]]


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler | None  # None: answered in the ack itself (no I/O)
