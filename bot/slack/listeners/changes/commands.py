"""`/ai-incident change` (the typed-change modal) and `/ai-incident changes [days]` (the digest)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.changes.digest import DEFAULT_DAYS, MAX_DAYS
from bot.core.errors import InvalidInput
from bot.deps import Deps
from bot.slack.change_notifier import SlackChangeNotifier
from bot.slack.forms import change as change_form
from bot.slack.listeners.command_registry import Invocation
from bot.slack.messages.changes import digest_blocks, digest_text


def parse_days(args: str) -> int:
    """`changes` alone means the default window; `changes 45` reaches 45 days back."""
    word = args.strip()
    if not word:
        return DEFAULT_DAYS
    if not word.isdigit():
        raise InvalidInput(
            "days", f"give a whole number of days from 1 to {MAX_DAYS}: `/ai-incident changes 14`"
        )
    return int(word)


async def change(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    # One indexed read before the trigger expires: in an incident channel the form names the
    # incident and starts with its AI feature.
    incident = await deps.changes.incident_in(inv.channel_id)
    await client.views_open(
        trigger_id=inv.trigger_id,
        view=change_form.build(
            incident=incident if incident is not None and incident.is_open else None,
            origin_channel_id=inv.channel_id,
            now=deps.clock.now(),
        ),
    )


async def changes(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    view = await deps.changes.digest_for_channel(
        channel_id=inv.channel_id, days=parse_days(inv.args)
    )
    if view.incident is not None and view.incident.is_open:
        # Everyone in the incident channel should see it, with its "Add to timeline" buttons.
        await SlackChangeNotifier(client).post_digest(
            channel_id=view.incident.channel_id or inv.channel_id,
            digest=view.digest,
            incident=view.incident,
            on_timeline=view.on_timeline,
        )
        return
    # Elsewhere (or after close) it answers the question for the asker only.
    await respond(
        text=digest_text(view.digest, incident=view.incident),
        blocks=digest_blocks(view.digest, incident=view.incident, on_timeline=view.on_timeline),
        response_type="ephemeral",
    )
