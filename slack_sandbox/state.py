"""The sandbox workspace's records: users, channels, messages, views, files and what was asked.

These are plain dataclasses so a test can read them without knowing Slack's wire shape; each
record that Slack would send back knows how to render itself as Slack JSON (`to_slack`). The
emulator hands tests deep copies, so nothing a test holds changes under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

JsonDict = dict[str, Any]


def plain_text_of(text_object: object) -> str:
    """The text of a Slack text object (or a bare string), '' when there is none."""
    if isinstance(text_object, str):
        return text_object
    if isinstance(text_object, dict):
        value = text_object.get("text")
        return value if isinstance(value, str) else ""
    return ""


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str = "UTC"
    is_bot: bool = False
    email: str | None = None

    def tz_offset(self, at_epoch: float) -> int:
        """Seconds east of UTC at that moment, as Slack reports it (DST included)."""
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            return 0
        offset = datetime.fromtimestamp(at_epoch, UTC).astimezone(zone).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def to_slack(self, *, team_id: str, at_epoch: float) -> JsonDict:
        profile: JsonDict = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": team_id,
        }
        if self.email is not None:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": self.tz_offset(at_epoch),
            "is_bot": self.is_bot,
            "is_admin": False,
            "is_app_user": False,
            "profile": profile,
        }


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    dm_user: str | None = None
    members: list[str] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""
    is_archived: bool = False

    @property
    def label(self) -> str:
        """How a person sees the conversation named: '#name', or 'DM with <user id>'."""
        return f"DM {self.dm_user}" if self.is_im else f"#{self.name}"

    def to_slack(self, *, viewer: str) -> JsonDict:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.dm_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": self.name == "general",
            "is_member": viewer in self.members,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "created": self.created,
            "creator": self.creator,
            "unlinked": 0,
            "topic": {"value": self.topic, "creator": self.creator, "last_set": 0},
            "purpose": {"value": self.purpose, "creator": self.creator, "last_set": 0},
            "num_members": len(self.members),
        }


@dataclass(frozen=True)
class MessageVersion:
    """One earlier content of a message, kept when it is edited so tests can see the edits."""

    text: str
    blocks: list[JsonDict]


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str
    blocks: list[JsonDict] = field(default_factory=list)
    thread_ts: str | None = None
    bot_id: str | None = None
    files: list[str] = field(default_factory=list)
    reactions: dict[str, list[str]] = field(default_factory=dict)
    history: list[MessageVersion] = field(default_factory=list)
    reply_ts: list[str] = field(default_factory=list)
    metadata: JsonDict | None = None
    deleted: bool = False

    @property
    def edit_count(self) -> int:
        """How many times the message was changed in place since it was posted."""
        return len(self.history)

    @property
    def is_thread_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_slack(
        self, files: list[JsonDict] | None = None, *, include_metadata: bool = True
    ) -> JsonDict:
        """The message as Slack sends it; history leaves `metadata` out unless it is asked for
        (`include_all_metadata`), so `include_metadata=False` there."""
        body: JsonDict = {"type": "message", "user": self.user, "ts": self.ts, "text": self.text}
        if self.blocks:
            body["blocks"] = self.blocks
        if self.bot_id is not None:
            body["bot_id"] = self.bot_id
            body["app_id"] = "A0SANDBOX"
        if self.thread_ts is not None:
            body["thread_ts"] = self.thread_ts
        if self.reply_ts:
            body["reply_count"] = len(self.reply_ts)
            body["latest_reply"] = self.reply_ts[-1]
        if self.history:
            body["edited"] = {"user": self.user, "ts": self.ts}
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if files:
            body["files"] = files
            body["upload"] = True
        if self.metadata is not None and include_metadata:
            body["metadata"] = self.metadata
        return body


@dataclass
class Ephemeral:
    """A message only one user sees; it never enters the channel's history."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JsonDict] = field(default_factory=list)
    source: str = "chat.postEphemeral"
    history: list[MessageVersion] = field(default_factory=list)
    deleted: bool = False

    @property
    def edit_count(self) -> int:
        return len(self.history)

    def to_slack(self) -> JsonDict:
        body: JsonDict = {"type": "message", "ts": self.ts, "text": self.text, "user": self.user}
        if self.blocks:
            body["blocks"] = self.blocks
        return body


@dataclass
class ViewRecord:
    """A modal or App Home view as the emulator last accepted it.

    `payload` is the view the app sent (title, blocks, submit, ...); `history` keeps earlier
    payloads so a test can tell an update happened; `state` holds the values a person last
    submitted (Slack's `state.values` shape); `errors` the field errors the app answered with.
    """

    id: str
    type: str
    user: str
    payload: JsonDict
    hash: str
    team_id: str
    root_view_id: str
    previous_view_id: str | None = None
    history: list[JsonDict] = field(default_factory=list)
    state: JsonDict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    is_open: bool = True

    @property
    def callback_id(self) -> str:
        value = self.payload.get("callback_id")
        return value if isinstance(value, str) else ""

    @property
    def private_metadata(self) -> str:
        value = self.payload.get("private_metadata")
        return value if isinstance(value, str) else ""

    @property
    def external_id(self) -> str | None:
        value = self.payload.get("external_id")
        return value if isinstance(value, str) else None

    @property
    def title(self) -> str:
        return plain_text_of(self.payload.get("title"))

    @property
    def blocks(self) -> list[JsonDict]:
        blocks = self.payload.get("blocks")
        return list(blocks) if isinstance(blocks, list) else []

    @property
    def update_count(self) -> int:
        return len(self.history)

    def to_slack(self, *, bot_id: str, app_id: str) -> JsonDict:
        body: JsonDict = {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.state},
            "hash": self.hash,
            "clear_on_close": bool(self.payload.get("clear_on_close", False)),
            "notify_on_close": bool(self.payload.get("notify_on_close", False)),
            "root_view_id": self.root_view_id,
            "previous_view_id": self.previous_view_id,
            "app_id": app_id,
            "external_id": self.external_id or "",
            "app_installed_team_id": self.team_id,
            "bot_id": bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in self.payload:
                body[key] = self.payload[key]
        return body


@dataclass
class FileRecord:
    id: str
    name: str
    title: str
    length: int
    user: str
    created: int
    content: bytes | None = None
    initial_comment: str | None = None
    shares: list[tuple[str, str]] = field(default_factory=list)
    completed: bool = False

    @property
    def text(self) -> str:
        """The content decoded as UTF-8 (what a snippet or a markdown postmortem holds)."""
        return (self.content or b"").decode("utf-8", errors="replace")

    @property
    def filetype(self) -> str:
        """Slack's `filetype`, taken from the name's extension ('text' without one)."""
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else "text"

    def to_slack(self, *, base_url: str) -> JsonDict:
        public: dict[str, list[JsonDict]] = {}
        for channel, ts in self.shares:
            public.setdefault(channel, []).append({"ts": ts, "reply_count": 0})
        extension = self.filetype
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title,
            "mimetype": "text/markdown" if extension == "md" else "application/octet-stream",
            "filetype": extension,
            "user": self.user,
            "size": len(self.content) if self.content is not None else self.length,
            "url_private": f"{base_url}/files/{self.id}/{self.name}",
            "url_private_download": f"{base_url}/files/{self.id}/{self.name}",
            "permalink": f"{base_url}/files/{self.id}",
            "channels": sorted({channel for channel, _ in self.shares}),
            "shares": {"public": public} if public else {},
            "initial_comment": self.initial_comment or "",
        }


@dataclass(frozen=True)
class Call:
    """One request the app made, in arrival order, injected failures included.

    `method` is the Web API method, or `response_url` / `file_upload` for those raw POSTs.
    `ok`, `error` and `status` are what the app was answered. `injected` is True when a planned
    fault (`fail()` / `fail_randomly()`) gave that answer. `performed` says whether the emulator
    ran the method (its effects, if any, are in the workspace): False for a failure injected
    before the work, True for every other call, including an ambiguous failure injected after
    the work, whose real answer, never delivered, is kept in `lost_answer`. Tokens are never kept.
    """

    method: str
    params: JsonDict
    ok: bool
    error: str | None = None
    injected: bool = False
    status: int = 200
    performed: bool = True
    lost_answer: JsonDict | None = None


@dataclass(frozen=True)
class Rejection:
    """A request the emulator refused because Slack would have (bad blocks, bad view, ...)."""

    method: str
    error: str
    messages: tuple[str, ...]
    params: JsonDict
