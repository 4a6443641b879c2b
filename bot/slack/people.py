"""Who someone is to the bot, asked of Slack: an admin (by id or user group), a channel member.

Both answers are cached briefly: a permission check or a list runs on every click, and Slack
rate-limits these methods (usergroups.users.list is tier 2). A cache miss that fails falls back
to "no": an unknown admin is refused and can try again, rather than the check letting anyone in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.clock import Clock, SystemClock

log = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 60.0
MEMBERS_CACHE_SECONDS = 10.0


@dataclass
class _Cache:
    seconds: float
    clock: Clock
    _entries: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)

    async def get(self, key: str, load: Callable[[], Awaitable[frozenset[str]]]) -> frozenset[str]:
        now = self.clock.now().timestamp()
        cached = self._entries.get(key)
        if cached is not None and now - cached[0] < self.seconds:
            return cached[1]
        value = await load()
        self._entries[key] = (now, value)
        return value


class SlackAdmins:
    """AI_INCIDENT_ADMINS: listed users, and the members of listed user groups."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        user_ids: frozenset[str],
        group_ids: frozenset[str],
        clock: Clock | None = None,
    ) -> None:
        self._client = client
        self._user_ids = user_ids
        self._group_ids = sorted(group_ids)
        self._cache = _Cache(GROUP_CACHE_SECONDS, clock or SystemClock())

    async def is_admin(self, user_id: str) -> bool:
        if user_id in self._user_ids:
            return True
        for group in self._group_ids:
            if user_id in await self._cache.get(group, partial(self._group_members, group)):
                return True
        return False

    async def _group_members(self, group_id: str) -> frozenset[str]:
        try:
            response = await self._client.usergroups_users_list(usergroup=group_id)
        except SlackApiError:
            log.exception("could not read the members of admin user group %s", group_id)
            return frozenset()
        return frozenset(str(u) for u in response.get("users") or [])


class SlackChannelMembers:
    """Channel membership from conversations.members (all pages)."""

    def __init__(self, client: AsyncWebClient, *, clock: Clock | None = None) -> None:
        self._client = client
        self._cache = _Cache(MEMBERS_CACHE_SECONDS, clock or SystemClock())

    async def is_member(self, *, channel_id: str, user_id: str) -> bool:
        members = await self._cache.get(channel_id, partial(self._members, channel_id))
        return user_id in members

    async def _members(self, channel_id: str) -> frozenset[str]:
        found: set[str] = set()
        cursor: str | None = None
        try:
            while True:
                response = await self._client.conversations_members(
                    channel=channel_id, cursor=cursor, limit=200
                )
                found.update(str(m) for m in response.get("members") or [])
                cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    return frozenset(found)
        except SlackApiError:
            log.exception("could not read the members of %s", channel_id)
            return frozenset()
