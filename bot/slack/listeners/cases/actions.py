"""Buttons of the cases list: add, edit and remove a case. The form is pushed over the list,
and the list is re-rendered once the case is saved or removed."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.postmortem.locking import RecordNotFound
from bot.deps import Deps
from bot.slack.forms import case as case_form
from bot.slack.forms import cases as cases_form
from bot.slack.forms.fields import parse_ref
from bot.slack.guard import guarded
from bot.slack.ids import ActionId, CallbackId
from bot.slack.middleware import deps_of
from bot.slack.payloads import number_in


def _action(body: dict[str, Any]) -> dict[str, Any]:
    action: dict[str, Any] = body["actions"][0]
    return action


def _list_view_id(body: dict[str, Any]) -> str | None:
    view = body.get("view") or {}
    return str(view["id"]) if view.get("callback_id") == CallbackId.CASES_MODAL else None


async def _show(client: AsyncWebClient, body: dict[str, Any], view: View) -> None:
    """Push the form over the list the click came from, or open it from a message."""
    if body.get("view"):
        await client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        await client.views_open(trigger_id=body["trigger_id"], view=view)


async def on_case_add(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number = number_in(_action(body).get("value"))
    incident = await deps.incidents.get(number)
    parent = _list_view_id(body)
    view = case_form.build(number, channel_id=incident.channel_id, parent_view_id=parent)
    await _show(client, body, view)


async def on_case_edit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number, case_id = parse_ref(_action(body).get("value"))
    found = next((v.case for v in await deps.cases.list(number) if v.case.id == case_id), None)
    if found is None:
        raise RecordNotFound("That regression case is gone (someone removed it).")
    incident = await deps.incidents.get(number)
    parent = _list_view_id(body)
    view = case_form.build(
        number, channel_id=incident.channel_id, case=found, parent_view_id=parent
    )
    await _show(client, body, view)


async def on_case_remove(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number, case_id = parse_ref(_action(body).get("value"))
    await deps.cases.remove(number=number, case_id=case_id, actor=body["user"]["id"])
    view_id = _list_view_id(body)
    if view_id is not None:
        view = cases_form.build(await deps.incidents.get(number), await deps.cases.list(number))
        await client.views_update(view_id=view_id, view=view)


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(ActionId.CASE_ADD)(guarded(on_case_add))
    app.action(ActionId.CASE_EDIT)(guarded(on_case_edit))
    app.action(ActionId.CASE_REMOVE)(guarded(on_case_remove))
