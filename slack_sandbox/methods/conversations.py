"""conversations.* (and users.conversations): channels, membership and history."""

from __future__ import annotations

import re

from slack_sandbox.errors import ApiError
from slack_sandbox.methods.paging import page
from slack_sandbox.params import Params
from slack_sandbox.state import Channel, JsonDict, Message
from slack_sandbox.workspace import Workspace

MAX_CHANNEL_NAME = 80
MAX_TOPIC = 250
_NAME_CHARS = re.compile(r"^[a-z0-9_-]+$")


def check_channel_name(name: str) -> None:
    """Slack's channel-name rules, with Slack's error codes."""
    if not name:
        raise ApiError("invalid_name_required")
    if len(name) > MAX_CHANNEL_NAME:
        raise ApiError("invalid_name_maxlength")
    if not _NAME_CHARS.match(name):
        raise ApiError("invalid_name_specials")
    if set(name) <= {"-", "_"}:
        raise ApiError("invalid_name_punctuation")


def create(ws: Workspace, p: Params) -> JsonDict:
    name = p.optional_text("name") or ""
    check_channel_name(name)
    if any(not c.is_im and c.name == name for c in ws.channels.values()):
        raise ApiError("name_taken")
    bot = ws.identity.bot_user_id
    channel = ws.add_channel(name=name, creator=bot, members=[bot], is_private=p.flag("is_private"))
    ws.log(f"{channel.label} created by {ws.name_of(bot)}")
    return {"channel": channel.to_slack(viewer=bot)}


def _member_channel(ws: Workspace, p: Params) -> Channel:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    if ws.identity.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def invite(ws: Workspace, p: Params) -> JsonDict:
    channel = _member_channel(ws, p)
    if channel.is_archived:
        raise ApiError("is_archived")
    users = list(dict.fromkeys(p.text_list("users")))
    if not users:
        raise ApiError("no_user")
    # Slack invites nobody when one invite fails, unless `force` asks it to invite the rest.
    problems = [(u, error) for u in users if (error := _invite_problem(ws, channel, u))]
    fresh = [u for u in users if u not in {bad for bad, _ in problems}]
    if problems and (not p.flag("force") or not fresh):
        raise ApiError(problems[0][1])
    channel.members.extend(fresh)
    names = ", ".join(ws.name_of(u) for u in fresh)
    ws.log(f"{channel.label}: {ws.name_of(ws.identity.bot_user_id)} invited {names}")
    answer: JsonDict = {"channel": channel.to_slack(viewer=ws.identity.bot_user_id)}
    if problems:
        answer["errors"] = [{"user": u, "ok": False, "error": e} for u, e in problems]
    return answer


def _invite_problem(ws: Workspace, channel: Channel, user_id: str) -> str | None:
    if user_id == ws.identity.bot_user_id:
        return "cant_invite_self"
    if user_id not in ws.users:
        return "user_not_found"
    if user_id in channel.members:
        return "already_in_channel"
    return None


def info(ws: Workspace, p: Params) -> JsonDict:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    return {"channel": channel.to_slack(viewer=ws.identity.bot_user_id)}


def join(ws: Workspace, p: Params) -> JsonDict:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    if channel.is_im or channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise ApiError("is_archived")
    bot = ws.identity.bot_user_id
    answer: JsonDict = {"channel": channel.to_slack(viewer=bot)}
    if bot in channel.members:
        answer["warning"] = "already_in_channel"
        return answer
    channel.members.append(bot)
    ws.log(f"{channel.label}: {ws.name_of(bot)} joined")
    answer["channel"] = channel.to_slack(viewer=bot)
    return answer


def archive(ws: Workspace, p: Params) -> JsonDict:
    channel = _member_channel(ws, p)
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise ApiError("already_archived")
    channel.is_archived = True
    ws.log(f"{channel.label} archived by {ws.name_of(ws.identity.bot_user_id)}")
    return {}


def set_topic(ws: Workspace, p: Params) -> JsonDict:
    channel = _member_channel(ws, p)
    if channel.is_archived:
        raise ApiError("is_archived")
    topic = p.optional_text("topic") or ""
    if len(topic) > MAX_TOPIC:
        raise ApiError("too_long")
    channel.topic = topic
    ws.log(f'{channel.label}: topic set to "{topic}"')
    return {"channel": channel.to_slack(viewer=ws.identity.bot_user_id)}


def _readable_channel(ws: Workspace, p: Params) -> Channel:
    """History needs membership: a bot token cannot read a public channel it has not joined."""
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    if ws.identity.bot_user_id not in channel.members:
        raise ApiError(
            "channel_not_found" if channel.is_private or channel.is_im else "not_in_channel"
        )
    return channel


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    try:
        return int(seconds), int(micros.ljust(6, "0")[:6] or 0)
    except ValueError as exc:
        raise ApiError("invalid_ts_latest") from exc


def _rendered(ws: Workspace, messages: list[Message], p: Params) -> list[JsonDict]:
    # Slack leaves message metadata out of history and replies unless it is asked for.
    with_metadata = p.flag("include_all_metadata")
    return [m.to_slack(ws.files_for(m), include_metadata=with_metadata) for m in messages]


def history(ws: Workspace, p: Params) -> JsonDict:
    channel = _readable_channel(ws, p)
    inclusive = p.flag("inclusive")
    latest = p.optional_text("latest")
    oldest = p.optional_text("oldest")

    def in_window(message: Message) -> bool:
        key = _ts_key(message.ts)
        if latest is not None:
            bound = _ts_key(latest)
            if key > bound or (key == bound and not inclusive):
                return False
        if oldest is not None:
            bound = _ts_key(oldest)
            if key < bound or (key == bound and not inclusive):
                return False
        return True

    visible = [
        m
        for m in reversed(ws.messages.get(channel.id, []))
        if not m.deleted and not m.is_thread_reply and in_window(m)
    ]
    chunk, cursor = page(visible, p)
    return {
        "messages": _rendered(ws, chunk, p),
        "has_more": bool(cursor),
        "pin_count": len(ws.pins.get(channel.id, [])),
        "response_metadata": {"next_cursor": cursor},
    }


def replies(ws: Workspace, p: Params) -> JsonDict:
    channel = _readable_channel(ws, p)
    ts = p.text("ts", missing_error="thread_not_found")
    try:
        parent = ws.message(channel.id, ts)
    except ApiError as exc:
        raise ApiError("thread_not_found") from exc
    root_ts = parent.thread_ts or parent.ts
    thread = [
        m
        for m in ws.messages.get(channel.id, [])
        if not m.deleted and (m.ts == root_ts or m.thread_ts == root_ts)
    ]
    chunk, cursor = page(thread, p)
    return {
        "messages": _rendered(ws, chunk, p),
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def members(ws: Workspace, p: Params) -> JsonDict:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    if (channel.is_private or channel.is_im) and ws.identity.bot_user_id not in channel.members:
        raise ApiError("channel_not_found")
    chunk, cursor = page(list(channel.members), p)
    return {"members": chunk, "response_metadata": {"next_cursor": cursor}}


def _wanted_types(p: Params) -> set[str]:
    return set(p.text_list("types")) or {"public_channel"}


def _kind(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "private_channel" if channel.is_private else "public_channel"


def list_conversations(ws: Workspace, p: Params) -> JsonDict:
    bot = ws.identity.bot_user_id
    wanted = _wanted_types(p)
    found = [
        c
        for c in ws.channels.values()
        if _kind(c) in wanted
        and not (p.flag("exclude_archived") and c.is_archived)
        and (_kind(c) == "public_channel" or bot in c.members)
    ]
    chunk, cursor = page(found, p)
    return {
        "channels": [c.to_slack(viewer=bot) for c in chunk],
        "response_metadata": {"next_cursor": cursor},
    }


def user_conversations(ws: Workspace, p: Params) -> JsonDict:
    user_id = p.optional_text("user") or ws.identity.bot_user_id
    ws.user(user_id)
    wanted = _wanted_types(p)
    found = [
        c
        for c in ws.channels.values()
        if user_id in c.members
        and _kind(c) in wanted
        and not (p.flag("exclude_archived") and c.is_archived)
    ]
    chunk, cursor = page(found, p)
    return {
        "channels": [c.to_slack(viewer=user_id) for c in chunk],
        "response_metadata": {"next_cursor": cursor},
    }


def open_dm(ws: Workspace, p: Params) -> JsonDict:
    users = p.text_list("users")
    if p.has("channel") and not users:
        channel = ws.channel(p.text("channel"))
        return {"channel": {"id": channel.id}}
    if len(users) != 1:
        raise ApiError("users_list_not_supplied" if not users else "not_supported")
    channel = ws.dm_channel(users[0])
    answer: JsonDict = {"channel": {"id": channel.id}}
    if p.flag("return_im"):
        answer["channel"] = channel.to_slack(viewer=ws.identity.bot_user_id)
    return answer
