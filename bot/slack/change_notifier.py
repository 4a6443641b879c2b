"""The change ledger's messages on Slack's Web API: digests, live changes and alerts.

The client is the projector's (make_slack_client with for_effects): it retries a 429 itself and
leaves a 5xx or a lost connection to the projector, which looks for the post before retrying.
Links in these messages point at PRs, dashboards and provider notices; unfurling them would bury
the digest under previews.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.changes.alertmanager import AlertRecord
from bot.core.changes.digest import Digest
from bot.core.changes.model import Change
from bot.core.incidents.model import Incident
from bot.slack.effects import effect_metadata
from bot.slack.messages.changes import (
    alerts_text,
    change_added_text,
    digest_blocks,
    digest_text,
    live_changes_blocks,
    live_changes_text,
)


class SlackChangeNotifier:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post_digest(
        self,
        *,
        channel_id: str,
        digest: Digest,
        incident: Incident | None,
        on_timeline: frozenset[str],
        effect: str | None = None,
    ) -> str:
        response = await self._client.chat_postMessage(
            channel=channel_id,
            text=digest_text(digest, incident=incident),
            blocks=digest_blocks(digest, incident=incident, on_timeline=on_timeline),
            unfurl_links=False,
            unfurl_media=False,
            metadata=effect_metadata(effect),
        )
        return str(response["ts"])

    async def post_changes(
        self,
        *,
        incident: Incident,
        changes: Sequence[Change],
        recorded_by: str | None,
        effect: str | None = None,
    ) -> str | None:
        if incident.channel_id is None or not changes:
            return None
        response = await self._client.chat_postMessage(
            channel=incident.channel_id,
            text=live_changes_text(incident, changes),
            blocks=live_changes_blocks(incident, changes, recorded_by=recorded_by),
            unfurl_links=False,
            unfurl_media=False,
            metadata=effect_metadata(effect),
        )
        return str(response["ts"])

    async def post_change_added(
        self, *, incident: Incident, change: Change, added_by: str, effect: str | None = None
    ) -> str | None:
        if incident.channel_id is None:
            return None
        response = await self._client.chat_postMessage(
            channel=incident.channel_id,
            text=change_added_text(change, added_by=added_by),
            unfurl_links=False,
            unfurl_media=False,
            metadata=effect_metadata(effect),
        )
        return str(response["ts"])

    async def post_alerts(
        self, *, incident: Incident, alerts: Sequence[AlertRecord], effect: str | None = None
    ) -> str | None:
        if incident.channel_id is None or not alerts:
            return None
        response = await self._client.chat_postMessage(
            channel=incident.channel_id,
            text=alerts_text(incident, alerts),
            unfurl_links=False,
            unfurl_media=False,
            metadata=effect_metadata(effect),
        )
        return str(response["ts"])
