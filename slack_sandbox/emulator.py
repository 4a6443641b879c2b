"""SlackEmulator: a local, stateful Slack Web API for the demo and the end-to-end tests.

The app under test talks to it over real HTTP (slack_sdk's AsyncWebClient with `base_url`, and
Bolt's `respond()` posting to minted response URLs), so the whole client stack runs as it would
against Slack. Tests seed it (users, channels, human messages), arm faults, and read back what
the app did: calls, rejections, messages with their edits, pins, ephemerals, views, files, and a
plain-text transcript of what a person would have seen.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from starlette.applications import Starlette

from slack_sandbox import response_urls
from slack_sandbox.asgi import build_app
from slack_sandbox.errors import ApiError
from slack_sandbox.faults import FaultPlan
from slack_sandbox.methods import METHODS
from slack_sandbox.methods import views as views_api
from slack_sandbox.methods.chat import add_reaction
from slack_sandbox.render import resolve_mentions
from slack_sandbox.socket_mode import (
    ACK_TIMEOUT_SECONDS,
    DEFAULT_APP_TOKEN,
    OPEN_CONNECTION,
    SocketModeHub,
)
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
from slack_sandbox.view_state import display_value, slots
from slack_sandbox.workspace import Identity, Workspace

DEFAULT_BOT_TOKEN = "xoxb-sandbox-0000-not-a-real-token"
BOT_USER_ID = "U0BOT"
DEFAULT_USERS = (
    ("U0ALICE", "alice", "Alice Moreau", "Europe/Paris"),
    ("U0BOB", "bob", "Bob Okafor", "America/New_York"),
    ("U0CAROL", "carol", "Carol Tanaka", "Asia/Tokyo"),
)
RAW_ENDPOINTS = ("response_url", "file_upload", OPEN_CONNECTION)

T = TypeVar("T")


class SlackEmulator:
    """Slack's Web API in memory, thread-safe, served by `SandboxServer` (see server.py).

    `clock` is a monotonic clock used for trigger_id and response_url lifetimes (inject one to
    expire a trigger without sleeping); `wall_clock` gives message timestamps and created times.
    `shortcuts` names the installed app's shortcuts by callback_id, as its manifest does: the
    transcript says what a person picked in the "..." menu, not the id behind it.
    `app_token` is the app-level token `apps.connections.open` accepts; `socket_mode` is the
    Socket Mode link (deliver envelopes, disconnect, take it down), see socket_mode.py.
    """

    def __init__(
        self,
        bot_token: str = DEFAULT_BOT_TOKEN,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        team_id: str = "T0SANDBOX",
        team_name: str = "AI Incident Sandbox",
        workspace_url: str = "https://sandbox.slack.invalid/",
        default_users: bool = True,
        shortcuts: Mapping[str, str] | None = None,
        app_token: str = DEFAULT_APP_TOKEN,
        ack_timeout: float = ACK_TIMEOUT_SECONDS,
    ) -> None:
        self.shortcuts = dict(shortcuts or {})
        self._ws = Workspace(
            identity=Identity(
                team_id=team_id,
                team_name=team_name,
                bot_user_id=BOT_USER_ID,
                bot_id="B0BOT",
                app_id="A0SANDBOX",
                workspace_url=workspace_url,
            ),
            clock=clock,
            wall_clock=wall_clock,
        )
        self._faults = FaultPlan()
        self.socket_mode = SocketModeHub(
            app_id=self._ws.identity.app_id, app_token=app_token, ack_timeout=ack_timeout
        )
        self._app = build_app(self._ws, self._faults, bot_token, self.socket_mode)
        self.add_user(id=BOT_USER_ID, name="ai-incident", real_name="AI Incident", is_bot=True)
        if default_users:
            for user_id, name, real_name, tz in DEFAULT_USERS:
                self.add_user(id=user_id, name=name, real_name=real_name, tz=tz)
            self.add_channel("general")

    # -- wiring ------------------------------------------------------------------------------

    @property
    def app(self) -> Starlette:
        """The ASGI app; SandboxServer serves it, a test may also mount it on an httpx transport."""
        return self._app

    def attach(self, base_url: str) -> None:
        """Tell the emulator where it is served, so the URLs it mints point back at it."""
        with self._ws.lock:
            self._ws.base_url = base_url.rstrip("/")
        self.socket_mode.attach(base_url)

    @property
    def base_url(self) -> str | None:
        return self._ws.base_url

    @property
    def team_id(self) -> str:
        return self._ws.identity.team_id

    @property
    def bot_user_id(self) -> str:
        return self._ws.identity.bot_user_id

    @property
    def app_id(self) -> str:
        return self._ws.identity.app_id

    # -- faults ------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        times: int = 1,
        after_work: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` with a failure instead of doing the work.

        Default: HTTP 429 with `Retry-After: retry_after`. `status=500|502|503`: a server error.
        `error="..."` alone: HTTP 200 `{"ok": false, "error": "..."}`. `method` may also be
        `response_url` or `file_upload` (the raw POSTs).

        `after_work=True` (5xx only) is the ambiguous failure: the work is done (state changes,
        the call is recorded as performed) and the app gets the 5xx instead of the answer.
        """
        self._faults.fail(
            self._known(method),
            status=status,
            error=error,
            retry_after=retry_after,
            times=times,
            after_work=after_work,
        )

    def fail_randomly(
        self,
        rate: float,
        *,
        seed: int,
        methods: set[str] | None = None,
        statuses: tuple[int, ...] = (500, 429),
        retry_after: int = 1,
        after_work_share: float = 0.0,
    ) -> None:
        """Fail each call of `methods` (None: every method and raw endpoint) with probability
        `rate`, with a status drawn from `statuses` (429s carry `Retry-After: retry_after`).

        `after_work_share` of the 5xx failures are ambiguous, as with `fail(after_work=True)`;
        429s never are. The draws come from `random.Random(seed)`, so a seed replays the same
        faults for the same sequence of calls. Failures armed with `fail()` are used first;
        arming again replaces the random plan, `clear_faults()` removes it.
        """
        self._faults.fail_randomly(
            rate,
            seed=seed,
            methods=None if methods is None else {self._known(m) for m in methods},
            statuses=statuses,
            retry_after=retry_after,
            after_work_share=after_work_share,
        )

    def delay(self, method: str, seconds: float, *, times: int | None = None) -> None:
        """Answer `method` late (an asyncio sleep in the server's loop); 0 clears the delay."""
        self._faults.delay(self._known(method), seconds, times=times)

    def clear_faults(self) -> None:
        """Forget every armed failure, random failure plan and delay."""
        self._faults.clear()

    @staticmethod
    def _known(method: str) -> str:
        if method not in METHODS and method not in RAW_ENDPOINTS:
            raise ValueError(f"the sandbox does not emulate {method!r}")
        return method

    # -- minting -----------------------------------------------------------------------------

    def mint_trigger_id(self, *, user: str | None = None, view_id: str | None = None) -> str:
        """A trigger_id good for one views.open / views.push within 3 seconds (emulator clock)."""
        with self._ws.lock:
            return self._ws.mint_trigger_id(user=user, view_id=view_id)

    def mint_response_url(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
        ephemeral_original: bool = False,
    ) -> str:
        """`http://127.0.0.1:PORT/response/<id>`: posts there land in `channel_id` for `user_id`;
        `message_ts` is the message replace_original / delete_original act on."""
        with self._ws.lock:
            return self._ws.mint_hook(
                channel=channel_id,
                user=user_id,
                original_ts=message_ts,
                original_is_ephemeral=ephemeral_original,
            )

    # -- seeding -----------------------------------------------------------------------------

    def add_user(
        self,
        *,
        id: str | None = None,
        name: str,
        real_name: str | None = None,
        tz: str = "UTC",
        email: str | None = None,
        is_bot: bool = False,
    ) -> User:
        with self._ws.lock:
            user = User(
                id=id or self._ws.mint_id("U"),
                name=name,
                real_name=real_name or name.title(),
                tz=tz,
                is_bot=is_bot,
                email=email,
            )
            self._ws.users[user.id] = user
            return copy.deepcopy(user)

    def add_channel(
        self, name: str, *, members: list[str] | None = None, is_private: bool = False
    ) -> Channel:
        """A channel that already exists, e.g. the announce channel. By default every person in
        the workspace is a member and the app is not (it must join or hold chat:write.public)."""
        with self._ws.lock:
            if self._ws.channel_by_name(name) is not None:
                raise ValueError(f"#{name} already exists")
            people = [u.id for u in self._ws.users.values() if not u.is_bot]
            channel = self._ws.add_channel(
                name=name,
                creator=people[0] if people else BOT_USER_ID,
                members=people if members is None else members,
                is_private=is_private,
            )
            return copy.deepcopy(channel)

    def add_user_group(self, handle: str, *, members: list[str]) -> str:
        """A user group (`@handle`) with these members; returns its id (S…)."""
        with self._ws.lock:
            for user_id in members:
                self._ws.user(user_id)
            group_id = self._ws.mint_id("S")
            self._ws.user_groups[group_id] = list(dict.fromkeys(members))
            self._ws.log(f"user group @{handle} ({group_id}): {', '.join(members)}")
            return group_id

    def post_user_message(
        self, channel_id: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> str:
        """A person's message in a channel (something to react to or run a shortcut on)."""
        with self._ws.lock:
            self._ws.user(user)
            channel = self._ws.channel(channel_id)
            message = self._ws.post(channel, user=user, text=text, blocks=[], thread_ts=thread_ts)
            return message.ts

    def add_reaction(self, channel_id: str, ts: str, *, user: str, reaction: str) -> None:
        with self._ws.lock:
            add_reaction(self._ws, self._ws.message(channel_id, ts), user, reaction)

    # -- inspection --------------------------------------------------------------------------

    def _snapshot(self, read: Callable[[Workspace], T]) -> T:
        with self._ws.lock:
            return copy.deepcopy(read(self._ws))

    @property
    def calls(self) -> list[Call]:
        """Every request in arrival order, including injected failures (`Call.injected`); a
        call whose work was done, even if its answer was lost, has `Call.performed`."""
        return self._snapshot(lambda ws: list(ws.calls))

    def calls_to(self, method: str) -> list[JsonDict]:
        """The params of each call to one method, in order."""
        return [call.params for call in self.calls if call.method == method]

    @property
    def rejections(self) -> list[Rejection]:
        """Requests refused as malformed (bad blocks, bad view, ...): a healthy app has none."""
        return self._snapshot(lambda ws: list(ws.rejections))

    @property
    def users(self) -> list[User]:
        return self._snapshot(lambda ws: list(ws.users.values()))

    @property
    def channels(self) -> list[Channel]:
        return self._snapshot(lambda ws: list(ws.channels.values()))

    def channel(self, channel_id: str) -> Channel:
        with self._ws.lock:
            if channel_id not in self._ws.channels:
                raise LookupError(f"no conversation {channel_id!r} in the sandbox")
            return copy.deepcopy(self._ws.channels[channel_id])

    def channel_by_name(self, name: str) -> Channel | None:
        return self._snapshot(lambda ws: ws.channel_by_name(name))

    def dm_channel_id(self, user_id: str) -> str | None:
        with self._ws.lock:
            for channel in self._ws.channels.values():
                if channel.is_im and channel.dm_user == user_id:
                    return channel.id
            return None

    def messages(self, channel_id: str, *, include_deleted: bool = False) -> list[Message]:
        """A channel's messages oldest first (thread replies included), as they read now; each
        keeps `history` and `edit_count`, so a test can tell an update from a new post."""
        return self._snapshot(
            lambda ws: [
                m for m in ws.messages.get(channel_id, []) if include_deleted or not m.deleted
            ]
        )

    def message(self, channel_id: str, ts: str) -> Message:
        """The message as it reads now; LookupError if there is none (or it was deleted)."""
        try:
            return self._snapshot(lambda ws: ws.message(channel_id, ts))
        except ApiError:
            raise LookupError(f"no message {ts} in {channel_id}") from None

    def pins(self, channel_id: str) -> list[Message]:
        """The pinned messages of a channel, in pin order, as they read now."""

        def read(ws: Workspace) -> list[Message]:
            by_ts = {m.ts: m for m in ws.messages.get(channel_id, []) if not m.deleted}
            pinned = [by_ts.get(pin.ts) for pin in ws.pins.get(channel_id, [])]
            return [m for m in pinned if m is not None]

        return self._snapshot(read)

    @property
    def ephemerals(self) -> list[Ephemeral]:
        return self._snapshot(lambda ws: [e for e in ws.ephemerals if not e.deleted])

    def ephemerals_for(self, user_id: str, channel_id: str | None = None) -> list[Ephemeral]:
        return [
            e
            for e in self.ephemerals
            if e.user == user_id and (channel_id is None or e.channel == channel_id)
        ]

    def ephemeral(self, ts: str) -> Ephemeral:
        try:
            return self._snapshot(lambda ws: ws.ephemeral(ts))
        except ApiError:
            raise LookupError(f"no ephemeral message {ts}") from None

    @property
    def views(self) -> dict[str, ViewRecord]:
        """Every modal and home view by id, open or closed, as last accepted."""
        return self._snapshot(lambda ws: dict(ws.views))

    def view(self, view_id: str) -> ViewRecord:
        with self._ws.lock:
            if view_id not in self._ws.views:
                raise LookupError(f"no view {view_id!r} in the sandbox")
            return copy.deepcopy(self._ws.views[view_id])

    def open_views(self, user_id: str | None = None) -> list[ViewRecord]:
        """Open modals, oldest first (the last one is on top of its stack)."""
        return [
            v
            for v in self.views.values()
            if v.type == "modal" and v.is_open and (user_id is None or v.user == user_id)
        ]

    @property
    def home_views(self) -> dict[str, ViewRecord]:
        """The App Home each user last got published, by user id."""
        return self._snapshot(lambda ws: {u: ws.views[v] for u, v in ws.home_views.items()})

    @property
    def files(self) -> list[FileRecord]:
        return self._snapshot(lambda ws: [f for f in ws.files.values() if f.completed])

    def transcript(self) -> str:
        """What happened, as a person would have seen it, in order, in plain text."""
        with self._ws.lock:
            return "\n".join(self._ws.transcript) + "\n"

    # -- what ScriptedSlack reports back -----------------------------------------------------

    def record_user_action(self, user_id: str, description: str) -> None:
        """A line in the transcript for something a person did (a command, a click, ...)."""
        with self._ws.lock:
            said = resolve_mentions(description, self._ws.name_of)
            self._ws.log(f">> {self._ws.name_of(user_id)} {said}")

    def slack_view(self, view_id: str) -> JsonDict:
        """The view as Slack puts it in interaction payloads (id, hash, state, ...)."""
        record = self.view(view_id)
        with self._ws.lock:
            return copy.deepcopy(views_api.slack_view(self._ws, record))

    def record_submission(self, view_id: str, user: str, state_values: JsonDict) -> None:
        """The person pressed submit: said before the app answers, so what the submission causes
        (a parent modal updated, a message posted) reads after it."""
        with self._ws.lock:
            record = self._ws.views[view_id]
            lines = []
            for slot in slots(record.blocks):
                entry = state_values.get(slot.block_id, {}).get(slot.action_id, {})
                shown = display_value(entry, self._ws.name_of)
                if shown:
                    lines.append(f"{slot.label or slot.action_id}: {shown}")
            self._ws.log(f'>> {self._ws.name_of(user)} submitted "{record.title}":', lines)

    def submit_view(self, view_id: str, user: str, state_values: JsonDict, answer: Any) -> None:
        """Keep what the person submitted and do what the app's ack asked for."""
        with self._ws.lock:
            record = self._ws.views[view_id]
            if not record.is_open:
                # A double-clicked submit: Slack delivers both, but the second answer has no
                # modal left to act on.
                self._ws.log(
                    f'modal "{record.title}" was already closed for {self._ws.name_of(user)}; '
                    "the second submission changed nothing"
                )
                return
            record.state = copy.deepcopy(state_values)
            try:
                views_api.apply_submission_answer(self._ws, record, answer)
            except ApiError as exc:
                self._ws.reject("view_submission", exc, {"view_id": view_id, "answer": answer})

    def close_view(self, view_id: str) -> ViewRecord:
        """The person dismissed the modal (and every view stacked under it)."""
        with self._ws.lock:
            record = views_api.open_modal(self._ws, view_id)
            views_api.close(self._ws, record, whole_stack=True)
            return copy.deepcopy(record)

    def show_command_answer(self, response_url: str, body: Any) -> None:
        """A slash command's ack body is shown like a response_url post (without using it up)."""
        hook_id = response_url.rstrip("/").rsplit("/", 1)[-1]
        with self._ws.lock:
            try:
                response_urls.deliver(self._ws, hook_id, body, counts_as_use=False)
            except ApiError as exc:
                self._ws.reject("slash_command_ack", exc, body if isinstance(body, dict) else {})
