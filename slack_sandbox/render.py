"""Block Kit as a person would read it, in plain text, for the sandbox transcript.

Only what is visible matters here: header, section text and fields, context, buttons as
`[Label]`, selects and inputs as `<...>`; ids, styles and values are left out. Mentions are
resolved to names through a lookup the emulator passes in.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from slack_sandbox.state import JsonDict, plain_text_of

NameLookup = Callable[[str], str]

_MENTION = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto):[^>|]+)(?:\|([^>]*))?>")
_EMOJI = re.compile(r":[a-z0-9_+-]+:")
_EMPHASIS = re.compile(r"\*|(?<!\w)_|_(?!\w)|(?<!\w)~|~(?!\w)")


def resolve_mentions(text: str, name_of: NameLookup) -> str:
    """Slack's markup as a person reads it: `<@U0ALICE>` -> `@alice`, `<#C1|name>` -> `#name`,
    `<!here>` -> `@here`, `<!date^...|fallback>` -> the fallback, `<url|label>` -> `label`."""

    def mention(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return f"@{label or name_of(target)}"
        if sigil == "#":
            return f"#{label or name_of(target)}"
        if target.startswith("date^"):
            return label or target
        return f"@{label or target.split('^')[0]}"

    def link(match: re.Match[str]) -> str:
        return match.group(2) or match.group(1)

    return _LINK.sub(link, _MENTION.sub(mention, text))


def render_message(text: str, blocks: list[JsonDict], name_of: NameLookup) -> list[str]:
    """The lines a message shows: its blocks, or its text when it has no blocks."""
    lines = render_blocks(blocks, name_of) if blocks else []
    if not lines:
        lines = text.splitlines() or [""]
    return [resolve_mentions(line, name_of) for line in lines]


def changed_lines(before: list[str], after: list[str]) -> list[str]:
    """An edit as a reader notices it: the lines that went (`- `) and came (`+ `)."""
    diff = difflib.unified_diff(before, after, lineterm="", n=0)
    return [
        line[0] + " " + line[1:]
        for line in diff
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def render_blocks(blocks: list[JsonDict], name_of: NameLookup) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        lines.extend(_render_block(block, name_of))
    return lines


def _render_block(block: JsonDict, name_of: NameLookup) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [f"== {plain_text_of(block.get('text'))} =="]
    if kind == "divider":
        return ["----"]
    if kind == "section":
        return _render_section(block, name_of)
    if kind == "context":
        parts = [_element_label(e, name_of) for e in block.get("elements") or []]
        return [f"  ({' · '.join(p for p in parts if p)})"]
    if kind == "actions":
        return [" ".join(_element_label(e, name_of) for e in block.get("elements") or [])]
    if kind == "input":
        label = plain_text_of(block.get("label"))
        optional = " (optional)" if block.get("optional") else ""
        return [f"{label}{optional}: {_element_label(block.get('element'), name_of)}"]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "rich_text":
        return _rich_text_lines(block)
    if kind == "markdown":
        return str(block.get("text", "")).splitlines()
    return [f"[{kind} block]"]


def _render_section(block: JsonDict, name_of: NameLookup) -> list[str]:
    lines = plain_text_of(block.get("text")).splitlines()
    for field in block.get("fields") or []:
        lines.append("  • " + plain_text_of(field).replace("\n", " "))
    accessory = block.get("accessory")
    if accessory is not None:
        label = _element_label(accessory, name_of)
        if lines:
            lines[0] = f"{lines[0]}  {label}"
        else:
            lines = [label]
    return lines


def _element_label(element: Any, name_of: NameLookup) -> str:
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    if kind in ("plain_text", "mrkdwn"):
        return plain_text_of(element)
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in ("button", "workflow_button"):
        return f"[{plain_text_of(element.get('text'))}]"
    if kind == "overflow":
        return "[...]"
    shown = _initial_value(element, name_of)
    if shown:
        return f"<{shown}>"
    placeholder = plain_text_of(element.get("placeholder"))
    return f"<{placeholder or str(kind).replace('_', ' ')}>"


def _initial_value(element: JsonDict, name_of: NameLookup) -> str:
    """What an input shows before anyone touches it."""
    if "initial_value" in element:
        return str(element["initial_value"])
    option = element.get("initial_option")
    if isinstance(option, dict):
        return plain_text_of(option.get("text"))
    options = element.get("initial_options")
    if isinstance(options, list) and options:
        return ", ".join(plain_text_of(o.get("text")) for o in options if isinstance(o, dict))
    if "initial_user" in element:
        return "@" + name_of(str(element["initial_user"]))
    for key in ("initial_date", "initial_time", "initial_conversation", "initial_channel"):
        if key in element:
            return str(element[key])
    return ""


def describe_action(block: JsonDict, element: JsonDict, action: JsonDict) -> str:
    """How a person would tell what they did: `clicked [Take it]`, `ticked “Confirm ...”`,
    `picked “S1” in “Severity”`. Only visible labels: action and block ids mean nothing to a
    reader. User mentions come out as `<@U…>`, for the transcript to resolve."""
    kind = element.get("type")
    if kind in ("button", "workflow_button"):
        return f"clicked [{plain_text_of(element.get('text'))}]"
    where = _control_label(block, element)
    if kind in ("checkboxes", "radio_buttons"):
        chosen = action.get("selected_options")
        if chosen is None and isinstance(action.get("selected_option"), dict):
            chosen = [action["selected_option"]]
        if kind == "checkboxes" and not chosen:
            return f"unticked “{where}”"
        return f"ticked “{where}”"
    picked = action.get("selected_option")
    if isinstance(picked, dict):
        return f"picked “{plain_text_of(picked.get('text'))}” in “{where}”"
    if action.get("selected_user") is not None:
        return f"picked <@{action['selected_user']}> in “{where}”"
    if action.get("selected_conversation") is not None:
        return f"picked <#{action['selected_conversation']}> in “{where}”"
    if action.get("selected_channel") is not None:
        return f"picked <#{action['selected_channel']}> in “{where}”"
    if action.get("selected_date") is not None:
        return f"picked {action['selected_date']} in “{where}”"
    return f"used “{where}”"


def _control_label(block: JsonDict, element: JsonDict) -> str:
    """What the person sees beside a control: an input's label, the section text a checkbox or
    menu sits on, else the menu's own placeholder."""
    if block.get("type") == "input":
        label = plain_text_of(block.get("label"))
    elif block.get("type") == "section":
        label = next(iter(plain_text_of(block.get("text")).splitlines()), "")
    else:
        label = ""
    label = label or plain_text_of(element.get("placeholder"))
    # Status emoji and emphasis marks are decoration, not the words a reader would quote.
    label = _EMPHASIS.sub("", _EMOJI.sub("", label))
    return label.strip() or "a menu"


def _rich_text_lines(block: JsonDict) -> list[str]:
    chunks: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "text":
                chunks.append(str(node.get("text", "")))
            for child in node.get("elements") or []:
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(block.get("elements"))
    return "".join(chunks).splitlines()
