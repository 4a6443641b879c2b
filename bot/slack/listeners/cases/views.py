"""Submissions of the case form and of the incident picker the shortcut opens outside an
incident channel.

The form is checked once, before the ack, so problems show under the input at fault with
nothing stored; a case is stored once per submission (Slack may deliver one twice)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cases.forms import CaseInput
from bot.core.cases.model import CaseSource
from bot.core.errors import IncidentClosed
from bot.core.forms import FormInvalid
from bot.core.incidents.forms import PickedIncident
from bot.deps import Deps
from bot.slack.forms import case as case_form
from bot.slack.forms import cases as cases_form
from bot.slack.forms import pick_incident as pick_incident_form
from bot.slack.forms.case import CaseState
from bot.slack.forms.state import PinMessageState
from bot.slack.guard import guarded
from bot.slack.ids import CallbackId
from bot.slack.messages.cases import already_captured_text
from bot.slack.middleware import deps_of
from bot.slack.payloads import submission_key

log = logging.getLogger(__name__)


async def on_case(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    try:
        form = CaseInput.check(case_form.read(context["values"]))
    except FormInvalid as invalid:
        await ack(response_action="errors", errors=case_form.errors(invalid.errors))
        return
    await ack()
    state = CaseState.decode(context["metadata"])
    actor = body["user"]["id"]
    if state.case_id is None:
        captured = await deps.cases.capture(
            number=state.incident_number,
            actor=actor,
            form=form,
            source=state.source,
            source_url=state.source_url,
            once=submission_key(view),
        )
        # The same example again stores nothing and tells the channel nothing: say so to the
        # person, or they would wonder where their case went.
        if captured is not None and not captured.created and state.channel_id:
            await client.chat_postEphemeral(
                channel=state.channel_id,
                user=actor,
                text=already_captured_text(captured.view.case.key, state.incident_number),
            )
    else:
        await deps.cases.edit(
            number=state.incident_number, case_id=state.case_id, actor=actor, form=form
        )
    await refresh_list(deps, client, state.parent_view_id, state.incident_number)


async def refresh_list(
    deps: Deps, client: AsyncWebClient, view_id: str | None, number: int
) -> None:
    """Re-render the list a pushed form was opened from; it may have been closed."""
    if view_id is None:
        return
    view = cases_form.build(await deps.incidents.get(number), await deps.cases.list(number))
    try:
        await client.views_update(view_id=view_id, view=view)
    except SlackApiError as error:
        if error.response.get("error") != "not_found":
            raise
        log.info("cases list %s was closed before it could be refreshed", view_id)


async def on_pick_incident(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
    """The incident is picked: the picker becomes the case form, prefilled with the message."""
    deps = deps_of(context)
    try:
        picked = PickedIncident.check(pick_incident_form.read(context["values"]))
    except FormInvalid as invalid:
        await ack(response_action="errors", errors=pick_incident_form.errors(invalid.errors))
        return
    state = PinMessageState.decode(context["metadata"])
    incident = await deps.incidents.get_for(picked.number, viewer=body["user"]["id"])
    if not incident.is_open:
        raise IncidentClosed(picked.number)
    await ack(
        response_action="update",
        view=case_form.build(
            picked.number,
            channel_id=incident.channel_id,
            input_text=state.text,
            source=CaseSource.SLACK_MESSAGE,
            source_url=state.permalink,
        ),
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.CASE_MODAL)(guarded(on_case))
    app.view(CallbackId.CASE_PICK_MODAL)(guarded(on_pick_incident))
