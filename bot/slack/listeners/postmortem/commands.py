"""`/ai-incident detection | scope | rootcause | action | actions | close | postmortem`.

Each opens its form prefilled with what is stored. Forms that need one short read open after
it (well inside the trigger's 3 s); the root-cause and close forms read more (the timeline, the
review flags), so they open a placeholder at once and fill it when the data is there.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncRespond
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import IncidentClosed
from bot.core.incidents.model import Incident
from bot.core.postmortem import review
from bot.core.postmortem.scope_severity import scope_contradiction
from bot.core.runbooks.model import RunbookCatalog
from bot.deps import Deps
from bot.slack.forms import action_item as action_item_form
from bot.slack.forms import action_items as action_items_form
from bot.slack.forms import close as close_form
from bot.slack.forms import detection as detection_form
from bot.slack.forms import root_cause as root_cause_form
from bot.slack.forms import scope as scope_form
from bot.slack.listeners.command_registry import Invocation
from bot.slack.listeners.modals import open_then_fill
from bot.slack.messages.postmortem import preview_blocks, preview_text


async def detection(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    analysis = await deps.postmortems.analysis_in(inv.channel_id)
    await client.views_open(trigger_id=inv.trigger_id, view=detection_form.build(analysis))


async def scope(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    analysis = await deps.postmortems.analysis_in(inv.channel_id)
    view = scope_form.build(
        analysis.incident,
        analysis.slices,
        contradiction=scope_contradiction(analysis.slices, analysis.incident.severity),
    )
    await client.views_open(trigger_id=inv.trigger_id, view=view)


async def rootcause(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    async def build() -> View:
        analysis, suggestions = await deps.records.root_cause_prefill(inv.channel_id)
        return root_cause_form.build(analysis, suggestions)

    await open_then_fill(client, inv.trigger_id, "Root cause", build)


async def action(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    incident = await deps.incidents.for_channel(inv.channel_id)
    if not incident.is_open:
        raise IncidentClosed(incident.number or 0)
    await client.views_open(
        trigger_id=inv.trigger_id,
        view=action_item_form.build(incident.number or 0, title=inv.args.strip()),
    )


async def actions(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    # Closed incidents too: their action items are chased long after the close.
    analysis = await deps.postmortems.analysis_in(inv.channel_id, open_only=False)
    chased = await deps.reminders.last_chased(analysis.incident.number or 0)
    await client.views_open(
        trigger_id=inv.trigger_id, view=action_items_form.build(analysis, chased=chased)
    )


async def close(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    async def build() -> View:
        analysis = await deps.postmortems.analysis_in(inv.channel_id)
        flags = review(analysis.draft())
        criteria = runbook_exit_criteria(deps.runbooks, analysis.incident)
        confirmed = await deps.phases.confirmed_exit_criteria(analysis.incident.number or 0)
        return close_form.build(analysis, flags, exit_criteria=criteria, confirmed=confirmed)

    await open_then_fill(client, inv.trigger_id, "Close incident", build)


async def postmortem(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    document = await deps.postmortems.preview(inv.channel_id)
    await respond(
        response_type="ephemeral", text=preview_text(document), blocks=preview_blocks(document)
    )


def runbook_exit_criteria(catalog: RunbookCatalog, incident: Incident) -> list[str]:
    """The measured signals the incident's runbook lists as exit criteria, in phase order."""
    if incident.runbook not in catalog:
        return []
    runbook = catalog.get(incident.runbook)
    return [criterion.signal for phase in runbook.phases for criterion in phase.exit_criteria]
