"""Timeline summaries as plain words: Slack markup stored by earlier versions is rewritten.

Earlier versions wrote people into summaries as Slack mentions (`<@U04AB>`) and kept pinned
messages in Slack's markup. Summaries now name people as `@U04AB`, listed in
details["user_ids"], and hold links and channels as words. No schema change.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

# A frozen copy of the rules: a migration must not change when the code it once matched does.
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]*))?>")

_timeline = sa.table(
    "timeline_event",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("summary", sa.Text()),
    sa.column("details", sa.JSON()),
)


def plain(kind: str, summary: str, details: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    mentioned: list[str] = list(details.get("user_ids") or [])

    def mention(found: re.Match[str]) -> str:
        mentioned.append(found[1])
        return "@" + found[1]

    text = _MENTION.sub(mention, summary)
    if kind == "slack_message":
        # Only people's Slack messages carry Slack's markup and escaping; the bot's own
        # summaries hold nothing but mentions, and an `&` in them is what was typed.
        text = _CHANNEL.sub(lambda found: "#" + (found[2] or found[1]), text)
        text = _SPECIAL.sub(lambda found: "@" + found[1], text)
        text = _LINK.sub(lambda found: f"{found[2]} ({found[1]})" if found[2] else found[1], text)
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text, {**details, "user_ids": list(dict.fromkeys(mentioned))}


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_timeline.c.id, _timeline.c.kind, _timeline.c.summary, _timeline.c.details).where(
            _timeline.c.summary.like("%<%")
        )
    ).all()
    for row in rows:
        summary, details = plain(row.kind, row.summary, dict(row.details or {}))
        if summary != row.summary:
            connection.execute(
                sa.update(_timeline)
                .where(_timeline.c.id == row.id)
                .values(summary=summary, details=details)
            )


def downgrade() -> None:
    """Plain words stay plain: earlier versions read them as they are."""
