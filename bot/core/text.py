"""Responders' words inside chat markup."""

from __future__ import annotations


def inert(text: str) -> str:
    """Text typed by people, made safe to put inside a Slack message: `<!channel>` or `<@U…>`
    in a title must not ping anyone (Slack's rule: escape &, < and >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
