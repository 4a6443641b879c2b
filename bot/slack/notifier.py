"""The incident's Slack effects on the Web API: channel, card, checklist, notices, reminders.

The projector (bot/slack/projector.py) calls these to perform outbox events; each post carries
the step's effect key as message metadata so an interrupted step can be found again
(bot/slack/effects.py). Retries for 429 (honouring Retry-After) live in the client's retry
handlers; connection errors and 5xx are retried there only for reads and reminders, never for
the projector's effects (see make_slack_client). This module knows Slack's error codes and the
incident's message shapes.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.core.clock import Clock
from bot.core.events import Notice
from bot.core.incidents.card import IncidentCard
from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.events import SeverityEscalated
from bot.core.incidents.model import Incident, channel_name
from bot.core.reminders.rules import DueReminder
from bot.core.runbooks.service import ChecklistView
from bot.observability.metrics import Metrics
from bot.observability.slack_api import observed
from bot.slack.effects import effect_metadata, find_post
from bot.slack.messages.incidents import (
    announcement_text,
    card_blocks,
    card_text,
    escalation_text,
)
from bot.slack.messages.mrkdwn import captured_message
from bot.slack.messages.notices import notice_text
from bot.slack.messages.reminders import reminder_blocks, reminder_text
from bot.slack.messages.runbooks import checklist_blocks, checklist_text

log = logging.getLogger(__name__)

MAX_NAME_ATTEMPTS = 20
_NOT_THERE = ("channel_not_found", "not_in_channel", "user_not_in_channel")


SLACK_TIMEOUT_SECONDS = 15


class SharedSession:
    """One aiohttp session, and so one pool of kept-alive connections, for every Slack client
    of a runtime (and the clients Bolt copies per request from them).

    Without it slack_sdk opens a session and a new TCP (and TLS) connection for every call and
    closes them after, work that shares the event loop with every other person's ack. Made
    lazily in the running loop (a session belongs to one loop); `aclose` at shutdown.
    """

    def __init__(self, *, timeout_seconds: float = SLACK_TIMEOUT_SECONDS) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def get(self) -> aiohttp.ClientSession | None:
        """The session for the running loop; None outside one (slack_sdk then makes its own)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        if self._session is None or self._session.closed or self._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._loop = loop
        return self._session

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()


class _PooledWebClient(AsyncWebClient):
    """An AsyncWebClient whose `session` is the runtime's SharedSession."""

    def __init__(self, *, shared: SharedSession, **options: Any) -> None:
        self._shared = shared
        super().__init__(**options)

    @property
    def session(self) -> aiohttp.ClientSession | None:
        return self._shared.get()

    @session.setter
    def session(self, _value: aiohttp.ClientSession | None) -> None:
        # slack_sdk's __init__ assigns None here; the shared session is the only one used.
        pass


def make_slack_client(
    settings: Settings,
    *,
    for_effects: bool = False,
    metrics: Metrics | None = None,
    session: SharedSession | None = None,
) -> AsyncWebClient:
    """The Web API client; `for_effects` builds the one the projector performs effects with.

    A 5xx or a dropped connection is ambiguous: Slack may have posted the message (or made the
    channel, or shared the file) and only the answer was lost. Re-sending such a call blindly
    doubles the effect, so the projector's client leaves it to the projector, which first looks
    for what the step may have done (bot/slack/effects.py) and retries after a backoff. A 429
    is safe to retry here: Slack did nothing.

    With `metrics`, every attempt is counted by method and outcome, and every re-send by reason
    (also for the clients Bolt makes per request: they copy these handlers).
    With `session`, every call goes through that one pool of connections (see SharedSession).
    """
    handlers: list[AsyncRetryHandler] = [AsyncRateLimitErrorRetryHandler(max_retry_count=3)]
    if not for_effects:
        handlers = [
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            *handlers,
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ]
    options: dict[str, Any] = {
        "token": settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        "base_url": settings.slack_api_url,
        "timeout": SLACK_TIMEOUT_SECONDS,
        "retry_handlers": handlers if metrics is None else observed(handlers, metrics),
    }
    if session is None:
        return AsyncWebClient(**options)
    return _PooledWebClient(shared=session, **options)


def _digest(text: str, blocks: list[Any]) -> str:
    body = json.dumps({"text": text, "blocks": blocks}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _error_code(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "")) if isinstance(data, dict) else ""


class SlackNotifier:
    def __init__(
        self,
        client: AsyncWebClient,
        *,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._client = client
        self._settings = settings
        self._clock = clock
        self._bot_user_id: str | None = None

    async def create_channel(self, *, incident: Incident) -> tuple[str, str]:
        """Create the incident's channel and return (id, name).

        Names are deterministic (prefix, number, title, then a suffix), so a retry after a lost
        answer or a crash meets its own channel as `name_taken`: a channel of that name the bot
        created is the one to use, not a reason to make another."""
        assert incident.number is not None
        for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
            name = channel_name(
                self._settings.channel_prefix,
                incident.number,
                incident.title,
                suffix=attempt if attempt > 1 else None,
            )
            try:
                response = await self._client.conversations_create(
                    name=name, is_private=incident.private
                )
            except SlackApiError as exc:
                if _error_code(exc) == "name_taken":
                    mine = await self._own_channel_named(name, private=incident.private)
                    if mine is not None:
                        return mine, name
                    continue
                raise
            channel = response["channel"]
            return str(channel["id"]), str(channel["name"])
        raise RuntimeError(f"no free channel name after {MAX_NAME_ATTEMPTS} tries")

    async def _own_channel_named(self, name: str, *, private: bool) -> str | None:
        bot_user = await self.bot_user_id()
        cursor: str | None = None
        while True:
            response = await self._client.conversations_list(
                types="private_channel" if private else "public_channel",
                exclude_archived=True,
                limit=1000,
                **({"cursor": cursor} if cursor else {}),
            )
            for channel in response.get("channels") or []:
                if channel.get("name") == name and channel.get("creator") == bot_user:
                    return str(channel["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    async def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            response = await self._client.auth_test()
            self._bot_user_id = str(response["user_id"])
        return self._bot_user_id

    async def invite(self, *, channel_id: str, user_ids: list[str]) -> None:
        if not user_ids:
            return
        try:
            await self._client.conversations_invite(channel=channel_id, users=",".join(user_ids))
        except SlackApiError as exc:
            # Already there, or the bot itself: nothing to do. Anything else is real.
            if _error_code(exc) not in ("already_in_channel", "cant_invite_self"):
                raise

    async def post_card(self, *, card: IncidentCard, effect: str | None = None) -> str:
        incident = card.incident
        assert incident.channel_id is not None
        text, blocks = self._card(card)
        response = await self._client.chat_postMessage(
            channel=incident.channel_id,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            metadata=effect_metadata(effect),
        )
        return str(response["ts"])

    async def pin(self, *, channel_id: str, ts: str) -> None:
        try:
            await self._client.pins_add(channel=channel_id, timestamp=ts)
        except SlackApiError as exc:
            if _error_code(exc) != "already_pinned":
                raise

    def card_digest(self, card: IncidentCard) -> str:
        """What the card would show now, as a digest: equal digests mean equal messages."""
        text, blocks = self._card(card)
        return _digest(text, blocks)

    async def update_card(self, *, card: IncidentCard) -> str | None:
        """Re-render the pinned card in place; returns the digest of what it now shows."""
        incident = card.incident
        if incident.channel_id is None or incident.card_ts is None:
            return None
        text, blocks = self._card(card)
        await self._client.chat_update(
            channel=incident.channel_id, ts=incident.card_ts, text=text, blocks=blocks
        )
        return _digest(text, blocks)

    def _card(self, card: IncidentCard) -> tuple[str, list[Any]]:
        blocks = card_blocks(card, now=self._clock.now())
        return card_text(card.incident), [block.to_dict() for block in blocks]

    async def post_checklist(self, *, view: ChecklistView, effect: str | None = None) -> str:
        assert view.incident.channel_id is not None
        response = await self._client.chat_postMessage(
            channel=view.incident.channel_id,
            text=checklist_text(view),
            blocks=checklist_blocks(view),
            metadata=effect_metadata(effect),
        )
        return str(response["ts"])

    async def update_checklist(self, *, view: ChecklistView) -> None:
        if view.incident.channel_id is None or view.run.checklist_ts is None:
            return
        await self._client.chat_update(
            channel=view.incident.channel_id,
            ts=view.run.checklist_ts,
            text=checklist_text(view),
            blocks=checklist_blocks(view),
        )

    async def find_post(self, *, channel_id: str, effect: str, since: datetime) -> str | None:
        return await find_post(self._client, channel_id=channel_id, effect=effect, since=since)

    async def send_reminder(self, *, reminder: DueReminder) -> str:
        channel = reminder.channel_id
        if reminder.user_id is not None:
            opened = await self._client.conversations_open(users=reminder.user_id)
            channel = str(opened["channel"]["id"])
        assert channel is not None
        response = await self._client.chat_postMessage(
            channel=channel,
            text=reminder_text(reminder),
            blocks=reminder_blocks(reminder),
            unfurl_links=False,
        )
        return str(response["ts"])

    async def post_notice(self, *, notice: Notice, effect: str | None = None) -> str:
        response = await self._client.chat_postMessage(
            channel=notice.channel_id,
            text=notice_text(notice),
            unfurl_links=False,
            metadata=effect_metadata(effect),
        )
        return str(response["ts"])

    async def tell_declared(
        self, *, channel_id: str, user_id: str, number: int, incident_channel: str
    ) -> None:
        try:
            await self._client.chat_postEphemeral(
                channel=channel_id,
                user=user_id,
                text=f"Declared incident #{number}: <#{incident_channel}>",
            )
        except SlackApiError as exc:
            # They left the channel, or it is one the bot cannot post in: the channel exists,
            # they are in it, and it is on their App Home; that is enough.
            if _error_code(exc) not in (
                "channel_not_found",
                "not_in_channel",
                "user_not_in_channel",
            ):
                raise

    @property
    def announce_channel(self) -> str | None:
        return self._settings.announce_channel or None

    async def announce(self, *, incident: Incident, effect: str | None = None) -> str | None:
        channel = self.announce_channel
        if not channel:
            return None
        response = await self._client.chat_postMessage(
            channel=channel, text=announcement_text(incident), metadata=effect_metadata(effect)
        )
        return str(response["ts"])

    async def announce_escalation(
        self, *, incident: Incident, escalation: SeverityEscalated, effect: str | None = None
    ) -> str | None:
        channel = self.announce_channel
        if not channel:
            return None
        response = await self._client.chat_postMessage(
            channel=channel,
            text=escalation_text(incident, escalation),
            metadata=effect_metadata(effect),
        )
        return str(response["ts"])

    async def permalink(self, *, channel_id: str, ts: str) -> str | None:
        try:
            response = await self._client.chat_getPermalink(channel=channel_id, message_ts=ts)
        except SlackApiError as exc:
            log.warning("no permalink for %s/%s: %s", channel_id, ts, _error_code(exc))
            return None
        return str(response["permalink"])

    async def fetch_message(self, *, channel_id: str, ts: str) -> SlackMessage | None:
        response = await self._client.conversations_history(
            channel=channel_id, latest=ts, inclusive=True, limit=1
        )
        messages = [m for m in response.get("messages") or [] if m.get("ts") == ts]
        if not messages:
            # A reply inside a thread is not in the channel history.
            try:
                replies = await self._client.conversations_replies(channel=channel_id, ts=ts)
            except SlackApiError:
                return None
            messages = [m for m in replies.get("messages") or [] if m.get("ts") == ts]
        if not messages:
            return None
        message = messages[0]
        return captured_message(
            channel_id=channel_id,
            ts=ts,
            author_id=message.get("user") or message.get("bot_id"),
            slack_text=message.get("text") or "",
        )
