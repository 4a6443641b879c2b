"""The incident subcommands of `/ai-incident`: open, list, status, log, role, severity, update."""

from __future__ import annotations

from slack_bolt.async_app import AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import InvalidInput
from bot.core.incidents.model import Role, Severity
from bot.deps import Deps
from bot.slack.forms import declare as declare_form
from bot.slack.forms import update as update_form
from bot.slack.listeners.command_registry import Invocation
from bot.slack.listeners.modals import open_then_fill
from bot.slack.messages.incidents import card_blocks, card_text, open_incidents_text
from bot.slack.payloads import user_mentions


async def open_declare_form(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    # The trigger_id dies 3 s after the click: open the modal before any database or other work.
    await client.views_open(
        trigger_id=inv.trigger_id,
        view=declare_form.build(
            title=inv.args, origin_channel_id=inv.channel_id, runbooks=deps.runbooks.options()
        ),
    )


async def list_open(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    incidents = await deps.incidents.list_open(viewer=inv.user_id)
    if not incidents:
        await respond(text="No open incidents. Declare one with `/ai-incident open <title>`.")
        return
    await respond(text=open_incidents_text(incidents))


async def status(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    card = await deps.incidents.card_for_channel(inv.channel_id)
    await respond(text=card_text(card.incident), blocks=card_blocks(card, now=deps.clock.now()))


async def log(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    incident = await deps.incidents.add_note(
        channel_id=inv.channel_id, actor=inv.user_id, text=inv.args
    )
    await respond(text=f":memo: Added to the timeline of #{incident.number}.")


async def role(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    word, _, rest = inv.args.partition(" ")
    try:
        role = Role(word.lower())
    except ValueError:
        raise InvalidInput(
            "role", "choose commander, comms or scribe: `/ai-incident role commander @user`"
        ) from None
    users = user_mentions(rest)
    if len(users) != 1:
        raise InvalidInput("user", "mention exactly one person: `/ai-incident role comms @user`")
    await deps.incidents.assign_role(
        channel_id=inv.channel_id, role=role, user_id=users[0], actor=inv.user_id
    )


async def severity(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    try:
        severity = Severity(inv.args.strip().upper())
    except ValueError:
        raise InvalidInput("severity", "choose S1, S2 or S3: `/ai-incident severity S1`") from None
    incident = await deps.incidents.set_severity(
        channel_id=inv.channel_id, severity=severity, actor=inv.user_id
    )
    await respond(text=f"Severity of #{incident.number} is {incident.severity.value}.")


async def update(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    if inv.args.strip():
        await deps.incidents.post_update(
            channel_id=inv.channel_id, text=inv.args, actor=inv.user_id
        )
        return
    # No text: the update modal, opened before the read (which may outlast the trigger's 3 s).

    async def build() -> View:
        return update_form.build(await deps.incidents.for_channel(inv.channel_id))

    await open_then_fill(client, inv.trigger_id, update_form.TITLE, build)
