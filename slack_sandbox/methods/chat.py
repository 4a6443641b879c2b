"""chat.*, pins.* and reactions.*: messages in channels, edits, ephemerals, pins and reactions.

The app is assumed to hold `chat:write.public`, so it may post in any public channel it is not a
member of; private channels and DMs need membership, as on Slack.
"""

from __future__ import annotations

from slack_sandbox.errors import ApiError
from slack_sandbox.params import Params
from slack_sandbox.render import changed_lines
from slack_sandbox.state import Channel, Ephemeral, JsonDict, Message, MessageVersion
from slack_sandbox.validation import validate_message
from slack_sandbox.workspace import Pin, Workspace


def postable_channel(ws: Workspace, ref: str) -> Channel:
    """Where chat.postMessage would deliver: a conversation id, `#name`, or a user id (DM)."""
    channel = ws.dm_channel(ref) if ref.startswith(("U", "W")) else ws.channel(ref)
    if channel.is_archived:
        raise ApiError("is_archived")
    if (channel.is_private or channel.is_im) and ws.identity.bot_user_id not in channel.members:
        raise ApiError("channel_not_found")
    return channel


def _thread_parent(ws: Workspace, channel: Channel, thread_ts: str | None) -> str | None:
    if thread_ts is None:
        return None
    try:
        ws.message(channel.id, thread_ts)
    except ApiError as exc:
        raise ApiError("thread_not_found") from exc
    return thread_ts


def _metadata(p: Params) -> JsonDict | None:
    """Message metadata as Slack accepts it: an `event_type` name and an `event_payload` object."""
    if not p.has("metadata"):
        return None
    metadata = p.structured("metadata")
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not metadata["event_type"]
        or not isinstance(metadata.get("event_payload", {}), dict)
    ):
        raise ApiError(
            "invalid_metadata_format",
            ["[ERROR] metadata needs a string event_type and an object event_payload"],
            rejected=True,
        )
    return {
        "event_type": metadata["event_type"],
        "event_payload": metadata.get("event_payload", {}),
    }


def post_message(ws: Workspace, p: Params) -> JsonDict:
    channel = postable_channel(ws, p.text("channel", missing_error="channel_not_found"))
    text, blocks = validate_message(p.get("text"), p.get("blocks"))
    thread_ts = _thread_parent(ws, channel, p.optional_text("thread_ts"))
    message = ws.post(
        channel,
        user=ws.identity.bot_user_id,
        text=text,
        blocks=blocks,
        thread_ts=thread_ts,
        metadata=_metadata(p),
    )
    return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}


def _own_message(ws: Workspace, p: Params, refusal: str) -> tuple[Channel, Message]:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    message = ws.message(channel.id, p.text("ts", missing_error="message_not_found"))
    if message.user != ws.identity.bot_user_id:
        raise ApiError(refusal)
    return channel, message


def replace_content(ws: Workspace, message: Message, text: str, blocks: list[JsonDict]) -> None:
    """Edit a message in place, keeping what it said before (tests count the edits)."""
    before = ws.render(message.text, message.blocks)
    message.history.append(MessageVersion(text=message.text, blocks=message.blocks))
    message.text = text
    message.blocks = blocks
    changes = changed_lines(before, ws.render(text, blocks))
    if not changes:
        return  # nobody in the channel could tell it was edited, so the transcript doesn't either
    ws.log(
        f"[{ws.label(message.channel)}] {ws.name_of(message.user)} edited a message "
        f"(edit {message.edit_count}):",
        changes,
    )


def update(ws: Workspace, p: Params) -> JsonDict:
    channel, message = _own_message(ws, p, "cant_update_message")
    if channel.is_archived:
        raise ApiError("is_archived")
    text, blocks = validate_message(p.get("text"), p.get("blocks"))
    metadata = _metadata(p)
    replace_content(ws, message, text, blocks)
    if metadata is not None:
        # Slack keeps a message's metadata when an update leaves it out.
        message.metadata = metadata
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_slack(),
    }


def delete(ws: Workspace, p: Params) -> JsonDict:
    channel, message = _own_message(ws, p, "cant_delete_message")
    message.deleted = True
    ws.log(f"[{ws.label(channel.id)}] {ws.name_of(message.user)} deleted a message")
    return {"channel": channel.id, "ts": message.ts}


def post_ephemeral(ws: Workspace, p: Params) -> JsonDict:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    user = ws.user(p.text("user", missing_error="user_not_found"))
    if channel.is_archived:
        raise ApiError("is_archived")
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks = validate_message(p.get("text"), p.get("blocks"))
    ephemeral = add_ephemeral(ws, channel.id, user.id, text, blocks, source="chat.postEphemeral")
    return {"message_ts": ephemeral.ts}


def add_ephemeral(
    ws: Workspace, channel_id: str, user_id: str, text: str, blocks: list[JsonDict], *, source: str
) -> Ephemeral:
    ephemeral = Ephemeral(
        channel=channel_id, user=user_id, ts=ws.next_ts(), text=text, blocks=blocks, source=source
    )
    ws.ephemerals.append(ephemeral)
    ws.log(
        f"[{ws.label(channel_id)}] (only {ws.name_of(user_id)} sees) "
        f"{ws.name_of(ws.identity.bot_user_id)}:",
        ws.render(text, blocks),
    )
    return ephemeral


def get_permalink(ws: Workspace, p: Params) -> JsonDict:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    message = ws.message(channel.id, p.text("message_ts", missing_error="message_not_found"))
    return {"channel": channel.id, "permalink": permalink(ws, message)}


def permalink(ws: Workspace, message: Message) -> str:
    link = f"{ws.identity.workspace_url}archives/{message.channel}/p{message.ts.replace('.', '')}"
    if message.is_thread_reply:
        link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
    return link


def pins_add(ws: Workspace, p: Params) -> JsonDict:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    ts = p.text("timestamp", missing_error="no_item_specified")
    if ws.identity.bot_user_id not in channel.members:
        raise ApiError("not_in_channel")
    message = ws.message(channel.id, ts)
    pins = ws.pins.setdefault(channel.id, [])
    if any(pin.ts == ts for pin in pins):
        raise ApiError("already_pinned")
    pins.append(Pin(ts=ts, pinned_by=ws.identity.bot_user_id, created=ws.epoch()))
    first_line = (ws.render(message.text, message.blocks) or [""])[0]
    ws.log(f'[{ws.label(channel.id)}] {ws.name_of(ws.identity.bot_user_id)} pinned "{first_line}"')
    return {}


def pins_list(ws: Workspace, p: Params) -> JsonDict:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    items = []
    for pin in ws.pins.get(channel.id, []):
        try:
            message = ws.message(channel.id, pin.ts)
        except ApiError:
            continue
        items.append(
            {
                "type": "message",
                "channel": channel.id,
                "created": pin.created,
                "created_by": pin.pinned_by,
                "message": message.to_slack(),
            }
        )
    return {"items": items}


def reactions_add(ws: Workspace, p: Params) -> JsonDict:
    channel = ws.channel(p.text("channel", missing_error="channel_not_found"))
    name = p.text("name", missing_error="invalid_name")
    if ":" in name or " " in name:
        raise ApiError("invalid_name")
    message = ws.message(channel.id, p.text("timestamp", missing_error="no_item_specified"))
    add_reaction(ws, message, ws.identity.bot_user_id, name)
    return {}


def add_reaction(ws: Workspace, message: Message, user_id: str, name: str) -> None:
    users = message.reactions.setdefault(name, [])
    if user_id in users:
        raise ApiError("already_reacted")
    users.append(user_id)
    ws.log(f"[{ws.label(message.channel)}] {ws.name_of(user_id)} reacted :{name}:")
