"""Opening a modal whose content needs a read: the trigger first, the data after.

A trigger_id is good for 3 seconds from the click. Under load a database read can take longer
than that, so a listener that must read before it can build its form opens a placeholder at
once and replaces it when the form is ready.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import DomainError
from bot.slack.forms.message import loading_modal, message_modal


async def open_then_fill(
    client: AsyncWebClient, trigger_id: str, title: str, build: Callable[[], Awaitable[View]]
) -> None:
    """Open a placeholder while the trigger is fresh, then replace it with the real form, or
    with the reason there is none (e.g. not an incident channel, or already closed)."""
    opened = await client.views_open(trigger_id=trigger_id, view=loading_modal(title))
    view_id = opened["view"]["id"]
    try:
        view = await build()
    except DomainError as error:
        await client.views_update(view_id=view_id, view=message_modal(title, error.message))
        return
    await client.views_update(view_id=view_id, view=view)
