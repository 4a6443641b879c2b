"""The core hands out facts; Slack markup is built only at the edge (bot/slack).

Markup can only be built in string literals, so those are what is scanned (docstrings too):
mentions and links (`<@`, `<#`, `<!`) and emoji codes (`:mag:`). An emoji code stands on its
own; `file:line:` or `12:30:00` are not emoji, since a word character touches the colon, and
a regex lookbehind `(?<!` is not a special mention.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
# `(?<!` opens a regex lookbehind, not a Slack special mention.
MARKUP = re.compile(r"(?<!\(\?)<[@#!]|(?<![\w:]):[a-z0-9_+-]+:(?![\w:])")


def markup_in(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each piece of Slack markup in the source's string literals."""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING:
            continue
        for offset, line in enumerate(token.string.splitlines()):
            for found in MARKUP.finditer(line):
                yield token.start[0] + offset, found.group(0)


def test_the_scan_finds_mentions_links_and_emoji() -> None:
    source = (
        'notice = f":mag: <@{actor}> in <#{channel}>"\n'
        '"""Docs may say `file:line: message` or 12:30:00."""\n'
        'NOT_AFTER_A_WORD = re.compile(r"(?<!\\w)@x")\n'
        "ping = '<!here>'  # a comment with :mag: is not a string\n"
    )
    assert list(markup_in(source)) == [(1, ":mag:"), (1, "<@"), (1, "<#"), (4, "<!")]


def test_the_core_builds_no_slack_markup() -> None:
    found = [
        f"{path.relative_to(CORE.parent.parent)}:{line}: {what}"
        for path in sorted(CORE.rglob("*.py"))
        for line, what in markup_in(path.read_text(encoding="utf-8"))
    ]
    assert not found, "Slack markup in the core:\n" + "\n".join(found)
