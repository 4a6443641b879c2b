"""Slack gives every block a block_id and every interactive element an action_id when the app
leaves them out; payloads and view state are keyed by them, so the sandbox does the same."""

from __future__ import annotations

import copy
import secrets

from slack_sandbox.state import JsonDict

_ELEMENT_KEYS = ("elements", "element", "accessory")
_INTERACTIVE_SKIP = frozenset({"image", "plain_text", "mrkdwn"})


def with_generated_ids(blocks: list[JsonDict]) -> list[JsonDict]:
    filled = copy.deepcopy(blocks)
    for block in filled:
        block.setdefault("block_id", secrets.token_urlsafe(3))
        if block.get("type") not in ("actions", "input", "section"):
            continue
        for key in _ELEMENT_KEYS:
            found = block.get(key)
            for element in found if isinstance(found, list) else [found]:
                if isinstance(element, dict) and element.get("type") not in _INTERACTIVE_SKIP:
                    element.setdefault("action_id", secrets.token_urlsafe(3))
    return filled
