"""The request bodies Slack sends an app, built from what the emulator holds.

Pure functions: ScriptedSlack gathers the facts (who, where, which message or view, fresh
trigger_id and response_url) and these shape them the way Slack's documentation and real
payloads do, so Bolt's parsing and matching run on the real thing.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from slack_sandbox.state import JsonDict
from slack_sandbox.view_state import find_option

VERIFICATION_TOKEN = "sandbox-verification-token"  # deprecated by Slack; Bolt ignores it


@dataclass(frozen=True)
class Team:
    id: str
    domain: str
    app_id: str
    bot_user_id: str


def user_ref(team: Team, user_id: str, name: str) -> JsonDict:
    return {"id": user_id, "username": name, "name": name, "team_id": team.id}


def action_ts() -> str:
    now = time.time()
    return f"{now:.6f}"


def new_event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def slash_form(
    team: Team,
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    channel_id: str,
    channel_name: str,
    trigger_id: str,
    response_url: str,
) -> dict[str, str]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team.id,
        "team_domain": team.domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": team.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def _interaction(team: Team, kind: str, user: JsonDict) -> JsonDict:
    return {
        "type": kind,
        "token": VERIFICATION_TOKEN,
        "team": {"id": team.id, "domain": team.domain},
        "user": user,
        "api_app_id": team.app_id,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_submission(team: Team, *, user: JsonDict, view: JsonDict, trigger_id: str) -> JsonDict:
    payload = _interaction(team, "view_submission", user)
    payload.update({"trigger_id": trigger_id, "view": view, "response_urls": []})
    return payload


def view_closed(team: Team, *, user: JsonDict, view: JsonDict, is_cleared: bool) -> JsonDict:
    payload = _interaction(team, "view_closed", user)
    payload.update({"view": view, "is_cleared": is_cleared})
    return payload


def find_element(
    blocks: list[JsonDict],
    action_id: str,
    *,
    block_id: str | None = None,
    value: str | None = None,
) -> tuple[str, JsonDict]:
    """(block_id, element) of the interactive element a person would click, or LookupError."""
    seen: list[str] = []
    for block in blocks:
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates = list(block.get("elements") or [])
        elif block.get("type") in ("section", "input"):
            candidates = [block.get("accessory"), block.get("element")]
        for element in candidates:
            if not isinstance(element, dict) or "action_id" not in element:
                continue
            seen.append(str(element["action_id"]))
            if element["action_id"] != action_id:
                continue
            if block_id is not None and block.get("block_id") != block_id:
                continue
            if value is not None and element.get("value") != value:
                continue
            return str(block.get("block_id", "")), element
    wanted = f"{action_id!r}" + (f" with value {value!r}" if value is not None else "")
    raise LookupError(f"no element {wanted} to click; the person sees action ids {seen}")


def action_for(
    block_id: str,
    element: JsonDict,
    *,
    selected_option: Any = None,
    selected_options: Any = None,
    selected_user: str | None = None,
    selected_conversation: str | None = None,
    selected_channel: str | None = None,
    selected_date: str | None = None,
) -> JsonDict:
    """The `actions[0]` entry for a click on a button or a pick in a select."""
    kind = str(element.get("type"))
    action: JsonDict = {
        "type": kind,
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "action_ts": action_ts(),
    }
    if kind in ("button", "workflow_button"):
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
    elif kind in ("static_select", "external_select", "overflow", "radio_buttons"):
        if selected_option is None:
            raise ValueError(
                f"picking in {kind} {element.get('action_id')!r} needs selected_option"
            )
        action["selected_option"] = find_option(element, selected_option)
    elif kind in ("multi_static_select", "checkboxes"):
        picks = selected_options if isinstance(selected_options, list) else [selected_options]
        action["selected_options"] = [find_option(element, p) for p in picks if p is not None]
    elif kind == "users_select":
        action["selected_user"] = selected_user
    elif kind == "conversations_select":
        action["selected_conversation"] = selected_conversation
    elif kind == "channels_select":
        action["selected_channel"] = selected_channel
    elif kind == "datepicker":
        action["selected_date"] = selected_date
    if "placeholder" in element:
        action["placeholder"] = element["placeholder"]
    return action


def block_actions(
    team: Team,
    *,
    user: JsonDict,
    action: JsonDict,
    trigger_id: str,
    container: JsonDict,
    state_values: JsonDict,
    extra: JsonDict,
) -> JsonDict:
    payload = _interaction(team, "block_actions", user)
    payload.update(
        {
            "container": container,
            "trigger_id": trigger_id,
            "state": {"values": state_values},
            "actions": [action],
            **extra,
        }
    )
    return payload


def message_action(
    team: Team,
    *,
    user: JsonDict,
    callback_id: str,
    trigger_id: str,
    response_url: str,
    channel: JsonDict,
    message: JsonDict,
) -> JsonDict:
    payload = _interaction(team, "message_action", user)
    payload.update(
        {
            "callback_id": callback_id,
            "trigger_id": trigger_id,
            "response_url": response_url,
            "action_ts": action_ts(),
            "channel": channel,
            "message_ts": message.get("ts"),
            "message": message,
        }
    )
    return payload


def event_callback(team: Team, event: JsonDict, *, event_id: str) -> JsonDict:
    now = time.time()
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team.id,
        "api_app_id": team.app_id,
        "event": {**event, "event_ts": event.get("event_ts") or f"{now:.6f}"},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team.id,
                "user_id": team.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-sandbox-{event_id}",
    }
