"""Other people's words inside Slack markup, made inert.

Change summaries, alert annotations and versions come from producers and forms. Slack reads
`<!channel>`, `<@U…>` and `<url|label>` in mrkdwn, so unescaped they could ping a whole channel
or dress a link up as something else. Slack's own rule: escape &, < and > — nothing more.
"""

from __future__ import annotations

from urllib.parse import quote

# A link longer than this is not shown inline: it would crowd the 3,000 characters a section
# may hold, and nobody reads it anyway (the API returns it whole).
MAX_INLINE_URL = 1000


def escape(text: str) -> str:
    """People's words made safe inside a Slack message: `<!channel>` or `<@U…>` in a title
    must not ping anyone (Slack's rule: escape &, < and >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """`<url|label>`: characters that would end the link percent-encoded, & escaped."""
    safe = quote(url, safe=":/?#[]@!$&'()*+,;=%-._~")
    return f"<{safe.replace('&', '&amp;')}|{escape(label)}>"


def optional_link(url: str | None, label: str) -> str | None:
    if not url or len(url) > MAX_INLINE_URL:
        return None
    return link(url, label)
