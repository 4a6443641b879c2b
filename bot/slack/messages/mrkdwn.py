"""People's words across the border of Slack markup, both ways.

Out: titles, updates, change summaries and alert annotations come from people, producers and
forms. Slack reads `<!channel>`, `<@U…>` and `<url|label>` in mrkdwn, so unescaped they could
ping a whole channel or dress a link up as something else. Slack's own rule: escape &, < and >
— nothing more. `escape` is the one place that rule lives.

In: a message people wrote in Slack reaches the core as plain words (`plain_words`), so the
core never parses Slack markup.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.core.incidents.chat_message import SlackMessage
from bot.core.timeline import person

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


_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]*))?>")


def plain_words(slack_text: str) -> tuple[str, list[str]]:
    """A message people wrote in Slack as plain words for the timeline, and who it mentions:
    `<@U04AB>` becomes `@U04AB` (the core's way to name someone), `<#C1|ops>` `#ops`,
    `<https://x|the runbook>` `the runbook (https://x)`, `&amp;` `&`."""
    mentioned: list[str] = []

    def mention(found: re.Match[str]) -> str:
        mentioned.append(found[1])
        return person(found[1])

    text = _MENTION.sub(mention, slack_text)
    text = _CHANNEL.sub(lambda found: "#" + (found[2] or found[1]), text)
    text = _SPECIAL.sub(lambda found: "@" + found[1], text)
    text = _LINK.sub(lambda found: f"{found[2]} ({found[1]})" if found[2] else found[1], text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text, list(dict.fromkeys(mentioned))


def captured_message(
    *, channel_id: str, ts: str, author_id: str | None, slack_text: str
) -> SlackMessage:
    """A Slack message as the core takes it onto a timeline."""
    text, mentioned = plain_words(slack_text)
    return SlackMessage(
        channel_id=channel_id, ts=ts, author_id=author_id, text=text, user_ids=mentioned
    )
