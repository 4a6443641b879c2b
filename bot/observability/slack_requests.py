"""What a request from Slack was, for the `surface` and `outcome` labels: shared by the HTTP
endpoint (bot/api/slack_events.py) and any other way requests arrive (Socket Mode)."""

from __future__ import annotations

from typing import Any

# What Slack sends, by what people did: the `surface` label of the request metrics.
_SURFACES = {
    "block_actions": "block_action",
    "view_submission": "view_submission",
    "view_closed": "view_closed",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "block_suggestion": "options",
    "event_callback": "event",
    "url_verification": "handshake",
}
UNPARSED = "unknown"  # refused before its body was read: nobody knows what it was


def surface_of(body: dict[str, Any]) -> str:
    """The kind of a verified Slack request, from a small fixed set."""
    if "command" in body:
        return "command"
    if "ssl_check" in body:
        return "handshake"
    return _SURFACES.get(str(body.get("type")), "other")


def outcome_of(status: int) -> str:
    """An answer's outcome by its HTTP status: ok, rejected (the sender's fault) or error."""
    return "ok" if status < 400 else "rejected" if status < 500 else "error"
