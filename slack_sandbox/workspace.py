"""The sandbox workspace: every record, the ids and timestamps Slack would mint, and a transcript.

One re-entrant lock guards it all: the emulator's server thread changes it while the test's
thread reads it. Method handlers run with the lock held and never await, so each Web API call is
atomic, as a test would expect.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_sandbox.errors import ApiError
from slack_sandbox.render import render_message
from slack_sandbox.state import (
    Call,
    Channel,
    Ephemeral,
    FileRecord,
    JsonDict,
    Message,
    Rejection,
    User,
    ViewRecord,
)

TRIGGER_LIFETIME_SECONDS = 3.0
RESPONSE_URL_LIFETIME_SECONDS = 30 * 60.0
RESPONSE_URL_MAX_USES = 5


@dataclass
class Pin:
    ts: str
    pinned_by: str
    created: int


@dataclass
class Trigger:
    """A trigger_id: who the interaction came from, and the modal it came from if any."""

    minted_at: float
    user: str | None = None
    view_id: str | None = None
    used: bool = False


@dataclass
class ResponseHook:
    """Where a response_url posts: the channel and user of the interaction, and its message."""

    id: str
    minted_at: float
    channel: str | None
    user: str | None
    original_ts: str | None = None
    original_is_ephemeral: bool = False
    uses: int = 0
    posted_ephemerals: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Identity:
    team_id: str
    team_name: str
    bot_user_id: str
    bot_id: str
    app_id: str
    workspace_url: str


class Workspace:
    def __init__(
        self,
        *,
        identity: Identity,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> None:
        self.lock = threading.RLock()
        self.identity = identity
        self.clock = clock
        self.wall_clock = wall_clock
        self.base_url: str | None = None
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        # User groups (subteams, S…): their members' ids, in the order they were added.
        self.user_groups: dict[str, list[str]] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.pins: dict[str, list[Pin]] = {}
        self.views: dict[str, ViewRecord] = {}
        self.home_views: dict[str, str] = {}
        self.files: dict[str, FileRecord] = {}
        self.triggers: dict[str, Trigger] = {}
        self.hooks: dict[str, ResponseHook] = {}
        self.calls: list[Call] = []
        self.rejections: list[Rejection] = []
        self.transcript: list[str] = []
        self._counters: dict[str, itertools.count[int]] = {}
        self._last_ts_micros = 0

    # -- minting -----------------------------------------------------------------------------

    def mint_id(self, prefix: str) -> str:
        """`C000000001`, `D000000001`, `V000000001`, `F000000001`: Slack-looking, predictable."""
        counter = self._counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}0{next(counter):08d}"

    def next_ts(self) -> str:
        """A message timestamp from the wall clock, strictly increasing across the workspace."""
        micros = max(int(self.wall_clock() * 1_000_000), self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def epoch(self) -> int:
        return int(self.wall_clock())

    def mint_trigger_id(self, *, user: str | None, view_id: str | None) -> str:
        number = next(self._counters.setdefault("trigger", itertools.count(1001)))
        trigger_id = f"{number}.{self.epoch()}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(minted_at=self.clock(), user=user, view_id=view_id)
        return trigger_id

    def exchange_trigger(self, trigger_id: str) -> Trigger:
        """Check a trigger_id the way views.open does; consume it only with `commit_trigger`."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise ApiError("invalid_trigger_id")
        if trigger.used:
            raise ApiError("exchanged_trigger_id")
        if self.clock() - trigger.minted_at > TRIGGER_LIFETIME_SECONDS:
            raise ApiError("expired_trigger_id")
        return trigger

    def commit_trigger(self, trigger_id: str) -> None:
        self.triggers[trigger_id].used = True

    def mint_hook(
        self,
        *,
        channel: str | None,
        user: str | None,
        original_ts: str | None,
        original_is_ephemeral: bool,
    ) -> str:
        if self.base_url is None:
            raise RuntimeError("the emulator is not being served yet; start a SandboxServer first")
        hook_id = f"{self.mint_id('R')}{secrets.token_hex(6)}"
        self.hooks[hook_id] = ResponseHook(
            id=hook_id,
            minted_at=self.clock(),
            channel=channel,
            user=user,
            original_ts=original_ts,
            original_is_ephemeral=original_is_ephemeral,
        )
        return f"{self.base_url}/response/{hook_id}"

    # -- lookups -----------------------------------------------------------------------------

    def name_of(self, some_id: str) -> str:
        """A readable name for a user or conversation id (falls back to the id)."""
        user = self.users.get(some_id)
        if user is not None:
            return user.name
        channel = self.channels.get(some_id)
        if channel is not None:
            return (
                channel.name if not channel.is_im else f"DM {self.name_of(channel.dm_user or '')}"
            )
        return some_id

    def user(self, user_id: str) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise ApiError("user_not_found")
        return user

    def channel(self, ref: str) -> Channel:
        """A conversation by id, or by `#name` / `name` as chat.postMessage also accepts."""
        channel = self.channels.get(ref)
        if channel is not None:
            return channel
        name = ref.removeprefix("#")
        for candidate in self.channels.values():
            if not candidate.is_im and candidate.name == name:
                return candidate
        raise ApiError("channel_not_found")

    def channel_by_name(self, name: str) -> Channel | None:
        try:
            return self.channel("#" + name.removeprefix("#"))
        except ApiError:
            return None

    def message(self, channel_id: str, ts: str) -> Message:
        for message in self.messages.get(channel_id, []):
            if message.ts == ts and not message.deleted:
                return message
        raise ApiError("message_not_found")

    def ephemeral(self, ts: str) -> Ephemeral:
        for ephemeral in self.ephemerals:
            if ephemeral.ts == ts and not ephemeral.deleted:
                return ephemeral
        raise ApiError("message_not_found")

    def label(self, channel_id: str) -> str:
        channel = self.channels.get(channel_id)
        if channel is None:
            return channel_id
        return f"DM with {self.name_of(channel.dm_user or '')}" if channel.is_im else channel.label

    # -- changes every method shares ---------------------------------------------------------

    def add_channel(
        self,
        *,
        name: str,
        creator: str,
        members: list[str],
        is_private: bool = False,
    ) -> Channel:
        channel = Channel(
            id=self.mint_id("C"),
            name=name,
            created=self.epoch(),
            creator=creator,
            is_private=is_private,
            members=list(dict.fromkeys(members)),
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def dm_channel(self, user_id: str) -> Channel:
        """The app's DM with a user, opened on first use as conversations.open does."""
        self.user(user_id)
        for channel in self.channels.values():
            if channel.is_im and channel.dm_user == user_id:
                return channel
        channel = Channel(
            id=self.mint_id("D"),
            name=user_id,
            created=self.epoch(),
            creator=self.identity.bot_user_id,
            is_im=True,
            dm_user=user_id,
            members=[self.identity.bot_user_id, user_id],
        )
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def post(
        self,
        channel: Channel,
        *,
        user: str,
        text: str,
        blocks: list[JsonDict],
        thread_ts: str | None = None,
        files: list[str] | None = None,
        metadata: JsonDict | None = None,
    ) -> Message:
        if thread_ts is not None:
            parent = self.message(channel.id, thread_ts)
            if parent.is_thread_reply:
                thread_ts = parent.thread_ts
        is_bot = user == self.identity.bot_user_id
        message = Message(
            channel=channel.id,
            ts=self.next_ts(),
            user=user,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            bot_id=self.identity.bot_id if is_bot else None,
            files=list(files or []),
            metadata=metadata,
        )
        if thread_ts is not None:
            parent = self.message(channel.id, thread_ts)
            parent.thread_ts = parent.ts
            parent.reply_ts.append(message.ts)
        self.messages[channel.id].append(message)
        where = self.label(channel.id) + (" (in thread)" if thread_ts else "")
        self.log(f"[{where}] {self.name_of(user)}:", self.render(text, blocks))
        return message

    def render(self, text: str, blocks: list[JsonDict]) -> list[str]:
        return render_message(text, blocks, self.name_of)

    def log(self, headline: str, body: list[str] | None = None) -> None:
        self.transcript.append(headline)
        self.transcript.extend(f"    {line}" for line in body or [])

    def record_call(
        self,
        method: str,
        params: JsonDict,
        answer: JsonDict,
        *,
        status: int = 200,
        injected: bool = False,
        performed: bool = True,
        lost_answer: JsonDict | None = None,
    ) -> None:
        ok = bool(answer.get("ok"))
        error = answer.get("error")
        self.calls.append(
            Call(
                method,
                params,
                ok=ok,
                error=error,
                injected=injected,
                status=status,
                performed=performed,
                lost_answer=lost_answer,
            )
        )

    def reject(self, method: str, exc: ApiError, params: JsonDict) -> None:
        """Keep a refusal of malformed content, so a test can assert there were none."""
        if not exc.rejected:
            return
        self.rejections.append(Rejection(method, exc.error, exc.messages, params))
        self.log(f"!! Slack refused {method}: {exc.error}", list(exc.messages))

    def files_for(self, message: Message) -> list[JsonDict]:
        base = self.base_url or ""
        return [self.files[f].to_slack(base_url=base) for f in message.files if f in self.files]
