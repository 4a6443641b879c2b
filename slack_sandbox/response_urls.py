"""What a POST to an interaction's response_url does (Bolt's `respond()` and a slash ack body).

Ephemeral to the person by default; `response_type: in_channel` posts for everyone;
`replace_original` / `delete_original` act on the message the interaction came from. A URL
works five times within thirty minutes, as on Slack.
"""

from __future__ import annotations

from typing import Any

from slack_sandbox.errors import ApiError
from slack_sandbox.methods.chat import add_ephemeral, replace_content
from slack_sandbox.state import Ephemeral, JsonDict, MessageVersion
from slack_sandbox.validation import validate_message
from slack_sandbox.workspace import (
    RESPONSE_URL_LIFETIME_SECONDS,
    RESPONSE_URL_MAX_USES,
    ResponseHook,
    Workspace,
)


def deliver(ws: Workspace, hook_id: str, body: Any, *, counts_as_use: bool = True) -> JsonDict:
    hook = ws.hooks.get(hook_id)
    if hook is None:
        raise ApiError("no_active_hooks", status=404)
    if ws.clock() - hook.minted_at > RESPONSE_URL_LIFETIME_SECONDS:
        raise ApiError("expired_url", status=404)
    if counts_as_use:
        if hook.uses >= RESPONSE_URL_MAX_USES:
            raise ApiError("used_url", status=404)
        hook.uses += 1
    if not isinstance(body, dict):
        raise ApiError("invalid_payload", ["[ERROR] the body must be a JSON object"], rejected=True)
    if _truthy(body.get("delete_original")):
        _delete_original(ws, hook)
        return {}
    text, blocks = validate_message(body.get("text"), body.get("blocks"))
    if _truthy(body.get("replace_original")):
        _replace_original(ws, hook, text, blocks)
    elif body.get("response_type") == "in_channel":
        channel = ws.channel(_channel_of(hook))
        thread_ts = body.get("thread_ts")
        ws.post(
            channel,
            user=ws.identity.bot_user_id,
            text=text,
            blocks=blocks,
            thread_ts=str(thread_ts) if thread_ts else None,
        )
    else:
        _ephemeral(ws, hook, text, blocks)
    return {}


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _channel_of(hook: ResponseHook) -> str:
    if hook.channel is None:
        raise ApiError("channel_not_found", status=404)
    return hook.channel


def _ephemeral(ws: Workspace, hook: ResponseHook, text: str, blocks: list[JsonDict]) -> None:
    if hook.user is None:
        raise ApiError("user_not_found", status=404)
    ephemeral = add_ephemeral(ws, _channel_of(hook), hook.user, text, blocks, source="response_url")
    hook.posted_ephemerals.append(ephemeral.ts)


def _original_ephemeral(ws: Workspace, hook: ResponseHook) -> Ephemeral | None:
    if hook.original_ts is not None and hook.original_is_ephemeral:
        return ws.ephemeral(hook.original_ts)
    if hook.original_ts is None and hook.posted_ephemerals:
        return ws.ephemeral(hook.posted_ephemerals[-1])
    return None


def _replace_original(ws: Workspace, hook: ResponseHook, text: str, blocks: list[JsonDict]) -> None:
    ephemeral = _original_ephemeral(ws, hook)
    if ephemeral is not None:
        ephemeral.history.append(MessageVersion(text=ephemeral.text, blocks=ephemeral.blocks))
        ephemeral.text, ephemeral.blocks = text, blocks
        ws.log(
            f"[{ws.label(ephemeral.channel)}] (only {ws.name_of(ephemeral.user)} sees) "
            f"message replaced:",
            ws.render(text, blocks),
        )
    elif hook.original_ts is not None:
        replace_content(ws, ws.message(_channel_of(hook), hook.original_ts), text, blocks)
    else:
        _ephemeral(ws, hook, text, blocks)


def _delete_original(ws: Workspace, hook: ResponseHook) -> None:
    ephemeral = _original_ephemeral(ws, hook)
    if ephemeral is not None:
        ephemeral.deleted = True
        ws.log(
            f"[{ws.label(ephemeral.channel)}] (only {ws.name_of(ephemeral.user)} sees) "
            "message removed"
        )
    elif hook.original_ts is not None:
        message = ws.message(_channel_of(hook), hook.original_ts)
        message.deleted = True
        ws.log(f"[{ws.label(message.channel)}] {ws.name_of(message.user)}'s message deleted")
    else:
        raise ApiError("message_not_found", status=404)
