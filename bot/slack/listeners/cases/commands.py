"""`/ai-incident case | cases`: capture a regression case, list the incident's cases."""

from __future__ import annotations

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import IncidentClosed
from bot.deps import Deps
from bot.slack.forms import case as case_form
from bot.slack.forms import cases as cases_form
from bot.slack.listeners.command_registry import Invocation


async def case(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    incident = await deps.incidents.for_channel(inv.channel_id)
    if not incident.is_open:
        raise IncidentClosed(incident.number or 0)
    await client.views_open(
        trigger_id=inv.trigger_id,
        view=case_form.build(incident.number or 0, channel_id=incident.channel_id),
    )


async def cases(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    # Closed incidents too: their cases are edited and exported after the close.
    incident = await deps.incidents.for_channel(inv.channel_id)
    listed = await deps.cases.list(incident.number or 0)
    await client.views_open(trigger_id=inv.trigger_id, view=cases_form.build(incident, listed))
