"""Refuse messages and views the way Slack does, so a bad payload fails in tests, not in prod.

Two layers: slack_sdk's own models (which know most per-field limits, e.g. a button label of at
most 75 characters) and the rules Slack enforces that the models do not (block counts, empty
text objects, duplicate block ids, a modal with inputs but no submit button, ...). Every problem
is reported as Slack reports it: a `[ERROR] ... [json-pointer:/blocks/3/...]` line.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from slack_sandbox.block_ids import with_generated_ids
from slack_sandbox.errors import ApiError
from slack_sandbox.state import JsonDict

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_MODAL_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255

BLOCK_TYPES = frozenset(
    {"actions", "context", "divider", "file", "header", "image", "input", "markdown"}
    | {"rich_text", "section", "video", "call", "table"}
)
SELECTS = frozenset(
    {"static_select", "external_select", "users_select", "conversations_select"}
    | {"channels_select", "multi_static_select", "multi_external_select"}
    | {"multi_users_select", "multi_conversations_select", "multi_channels_select"}
)
CHOICES = frozenset({"checkboxes", "radio_buttons", "datepicker", "timepicker", "datetimepicker"})
TEXT_INPUTS = frozenset(
    {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
)
INPUT_ELEMENTS = SELECTS | CHOICES | TEXT_INPUTS | {"file_input"}
ACTION_ELEMENTS = SELECTS | CHOICES | {"button", "overflow", "workflow_button"}
ACCESSORY_ELEMENTS = ACTION_ELEMENTS | {"image"}
CONTEXT_ELEMENTS = frozenset({"image", "plain_text", "mrkdwn"})
OPTION_ELEMENTS = frozenset(
    {"static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"}
)
# Where Slack insists on plain_text rather than mrkdwn: (block or element type, key).
PLAIN_TEXT_ONLY = frozenset(
    {
        ("header", "text"),
        ("input", "label"),
        ("input", "hint"),
        ("button", "text"),
        ("static_select", "placeholder"),
        ("multi_static_select", "placeholder"),
        ("users_select", "placeholder"),
        ("plain_text_input", "placeholder"),
    }
)


def decode_json_param(value: object, name: str) -> object:
    """Form-encoded requests carry blocks / view as JSON strings; JSON requests carry objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ApiError(
                "invalid_blocks_format" if name == "blocks" else "invalid_arguments",
                [f"[ERROR] {name} is not valid JSON ({exc.msg}) [json-pointer:/{name}]"],
                rejected=True,
            ) from exc
    return value


def validate_message(text: object, blocks: object) -> tuple[str, list[JsonDict]]:
    """The (text, blocks) of a message Slack would accept, or ApiError saying why not."""
    decoded = decode_json_param(blocks, "blocks") if blocks is not None else []
    if not isinstance(decoded, list) or not all(isinstance(b, dict) for b in decoded):
        raise ApiError(
            "invalid_blocks_format",
            ["[ERROR] blocks must be an array of objects [json-pointer:/blocks]"],
            rejected=True,
        )
    if text is not None and not isinstance(text, str):
        raise ApiError(
            "invalid_arguments",
            ["[ERROR] text must be a string [json-pointer:/text]"],
            rejected=True,
        )
    message_text = text or ""
    if not message_text and not decoded:
        raise ApiError("no_text", ["[ERROR] a message needs text or blocks"], rejected=True)
    if len(message_text) > MAX_MESSAGE_TEXT:
        raise ApiError(
            "msg_too_long",
            [f"[ERROR] text is {len(message_text)} characters; at most {MAX_MESSAGE_TEXT}"],
            rejected=True,
        )
    problems: list[str] = []
    if len(decoded) > MAX_MESSAGE_BLOCKS:
        problems.append(
            f"[ERROR] must provide an array of no more than {MAX_MESSAGE_BLOCKS} items "
            f"(got {len(decoded)}) [json-pointer:/blocks]"
        )
    problems.extend(_block_problems(decoded, "/blocks"))
    if problems:
        raise ApiError("invalid_blocks", problems, rejected=True)
    return message_text, with_generated_ids(decoded)


def validate_view(view: object, *, expected_type: str) -> JsonDict:
    """The view Slack would accept for views.open/update/push ("modal") or publish ("home")."""
    decoded = decode_json_param(view, "view")
    if not isinstance(decoded, dict):
        raise ApiError(
            "invalid_arguments",
            ["[ERROR] view must be an object [json-pointer:/view]"],
            rejected=True,
        )
    problems: list[str] = []
    view_type = decoded.get("type")
    if view_type != expected_type:
        problems.append(
            f"[ERROR] view type must be {expected_type!r}, got {view_type!r} "
            "[json-pointer:/view/type]"
        )
    blocks = decoded.get("blocks")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        problems.append("[ERROR] blocks must be an array of objects [json-pointer:/view/blocks]")
        raise ApiError("invalid_arguments", problems, rejected=True)
    if len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(
            f"[ERROR] must provide an array of no more than {MAX_VIEW_BLOCKS} items "
            f"(got {len(blocks)}) [json-pointer:/view/blocks]"
        )
    if view_type == "modal":
        problems.extend(_modal_frame_problems(decoded, blocks))
    problems.extend(_limit_problems(decoded))
    block_problems = _block_problems(blocks, "/view/blocks")
    problems.extend(block_problems)
    if not problems:
        problems.extend(_model_problems_for_view(decoded))
    if problems:
        raise ApiError("invalid_arguments", problems, rejected=True)
    return {**decoded, "blocks": with_generated_ids(blocks)}


def _modal_frame_problems(view: JsonDict, blocks: list[Any]) -> list[str]:
    problems: list[str] = []
    title = view.get("title")
    if title is None:
        problems.append("[ERROR] a modal needs a title [json-pointer:/view/title]")
    for key in ("title", "submit", "close"):
        obj = view.get(key)
        if obj is None:
            continue
        if not isinstance(obj, dict) or obj.get("type") != "plain_text":
            problems.append(f"[ERROR] {key} must be a plain_text object [json-pointer:/view/{key}]")
            continue
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            problems.append(
                f"[ERROR] must be more than 0 characters [json-pointer:/view/{key}/text]"
            )
        elif len(text) > MAX_MODAL_TITLE:
            problems.append(
                f"[ERROR] must be less than {MAX_MODAL_TITLE + 1} characters "
                f"(got {len(text)}) [json-pointer:/view/{key}/text]"
            )
    if view.get("submit") is None and any(b.get("type") == "input" for b in blocks):
        problems.append(
            "[ERROR] must provide a submit property when using input blocks [json-pointer:/view]"
        )
    return problems


def _limit_problems(view: JsonDict) -> list[str]:
    problems: list[str] = []
    limits = {
        "private_metadata": MAX_PRIVATE_METADATA,
        "callback_id": MAX_CALLBACK_ID,
        "external_id": MAX_CALLBACK_ID,
    }
    for key, limit in limits.items():
        value = view.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(f"[ERROR] {key} must be a string [json-pointer:/view/{key}]")
        elif len(value) > limit:
            problems.append(
                f"[ERROR] must be less than {limit + 1} characters (got {len(value)}) "
                f"[json-pointer:/view/{key}]"
            )
    return problems


def _model_problems_for_view(view: JsonDict) -> list[str]:
    known = {k: v for k, v in view.items() if k in View.attributes}
    try:
        View(**known).to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, AttributeError, KeyError) as exc:
        return [f"[ERROR] {exc} [json-pointer:/view]"]
    return []


def _block_problems(blocks: list[Any], pointer: str) -> list[str]:
    problems: list[str] = []
    seen_block_ids: dict[str, int] = {}
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict):
            problems.append(f"[ERROR] a block must be an object [json-pointer:{where}]")
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_block_ids:
                problems.append(
                    f"[ERROR] duplicate block_id {block_id!r} (also at {pointer}/"
                    f"{seen_block_ids[block_id]}) [json-pointer:{where}/block_id]"
                )
            seen_block_ids.setdefault(block_id, index)
        structural = _structural_problems(block, where)
        problems.extend(structural)
        if not structural:
            problems.extend(_model_problems_for_block(block, where))
    return problems


def _structural_problems(block: JsonDict, where: str) -> list[str]:
    block_type = block.get("type")
    if block_type not in BLOCK_TYPES:
        return [f"[ERROR] unsupported block type {block_type!r} [json-pointer:{where}/type]"]
    problems: list[str] = []
    elements: list[tuple[object, str, frozenset[str]]] = []
    if block_type == "actions":
        items = block.get("elements")
        if not isinstance(items, list) or not items:
            problems.append(f"[ERROR] actions need at least one element [json-pointer:{where}]")
        else:
            elements += [(e, f"{where}/elements/{i}", ACTION_ELEMENTS) for i, e in enumerate(items)]
            problems.extend(_duplicate_action_ids(items, where))
    elif block_type == "context":
        items = block.get("elements")
        if not isinstance(items, list) or not items:
            problems.append(f"[ERROR] context needs at least one element [json-pointer:{where}]")
        else:
            elements += [
                (e, f"{where}/elements/{i}", CONTEXT_ELEMENTS) for i, e in enumerate(items)
            ]
    elif block_type == "section" and "accessory" in block:
        elements.append((block["accessory"], f"{where}/accessory", ACCESSORY_ELEMENTS))
    elif block_type == "input":
        elements.append((block.get("element"), f"{where}/element", INPUT_ELEMENTS))
    for element, element_where, allowed in elements:
        problems.extend(_element_problems(element, element_where, allowed))
    problems.extend(_text_object_problems(block, where, str(block_type)))
    return problems


def _duplicate_action_ids(items: list[Any], where: str) -> list[str]:
    seen: set[str] = set()
    problems: list[str] = []
    for index, element in enumerate(items):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str):
            if action_id in seen:
                problems.append(
                    f"[ERROR] duplicate action_id {action_id!r} in one block "
                    f"[json-pointer:{where}/elements/{index}/action_id]"
                )
            seen.add(action_id)
    return problems


def _element_problems(element: object, where: str, allowed: frozenset[str]) -> list[str]:
    if not isinstance(element, dict):
        return [f"[ERROR] an element must be an object [json-pointer:{where}]"]
    element_type = element.get("type")
    if element_type not in allowed:
        return [f"[ERROR] element type {element_type!r} is not allowed here [json-pointer:{where}]"]
    if element_type in OPTION_ELEMENTS:
        options = element.get("options")
        groups = element.get("option_groups")
        if not options and not groups:
            return [f"[ERROR] must provide at least one option [json-pointer:{where}/options]"]
    return []


def _text_object_problems(node: object, where: str, owner: str) -> list[str]:
    """Empty text objects and mrkdwn where only plain_text is allowed, anywhere in the tree."""
    problems: list[str] = []
    if isinstance(node, dict):
        node_type = node.get("type")
        if node_type in ("plain_text", "mrkdwn") and "text" in node:
            if node.get("text") == "":
                problems.append(
                    f"[ERROR] must be more than 0 characters [json-pointer:{where}/text]"
                )
            return problems
        owner_type = node_type if isinstance(node_type, str) else owner
        for key, child in node.items():
            child_where = f"{where}/{key}"
            needs_plain = (owner_type, key) in PLAIN_TEXT_ONLY and isinstance(child, dict)
            if needs_plain and child.get("type") != "plain_text":
                problem = f"{owner_type} {key} must be plain_text"
                problems.append(f"[ERROR] {problem} [json-pointer:{child_where}]")
            problems.extend(_text_object_problems(child, child_where, owner_type))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            problems.extend(_text_object_problems(child, f"{where}/{index}", owner))
    return problems


def _model_problems_for_block(block: JsonDict, where: str) -> list[str]:
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"[ERROR] unsupported block [json-pointer:{where}]"]
        parsed.to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, AttributeError, KeyError) as exc:
        return [f"[ERROR] {exc} [json-pointer:{where}]"]
    return []
