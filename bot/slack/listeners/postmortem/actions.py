"""Buttons of the scope list and of the action items (in the list modal or in a message).

Inside a modal, a form opened from a button is pushed on top of the list and the list is
re-rendered when it is saved; from a channel message (a reminder) the form opens on its own.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.postmortem.analysis import ActionItem, ActionStatus
from bot.core.postmortem.locking import RecordNotFound
from bot.core.postmortem.reader import Analysis
from bot.deps import Deps
from bot.slack.forms import action_item as action_item_form
from bot.slack.forms import action_items as action_items_form
from bot.slack.forms import done as done_form
from bot.slack.forms import scope as scope_form
from bot.slack.forms import slice as slice_form
from bot.slack.forms.fields import parse_ref
from bot.slack.guard import guarded
from bot.slack.ids import ActionId, CallbackId
from bot.slack.messages.mrkdwn import escape
from bot.slack.middleware import deps_of
from bot.slack.payloads import chosen_in, number_in


def _action(body: dict[str, Any]) -> dict[str, Any]:
    action: dict[str, Any] = body["actions"][0]
    return action


def _list_view_id(body: dict[str, Any], callback_id: CallbackId) -> str | None:
    view = body.get("view") or {}
    return str(view["id"]) if view.get("callback_id") == callback_id else None


async def _show(client: AsyncWebClient, body: dict[str, Any], view: View) -> None:
    """Push the form over the modal the click came from, or open it from a message."""
    if body.get("view"):
        await client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        await client.views_open(trigger_id=body["trigger_id"], view=view)


def _item(analysis: Analysis, item_id: int) -> tuple[int, ActionItem]:
    position = analysis.position_of(item_id)
    if not position:
        raise RecordNotFound(f"Incident #{analysis.number} has no such action item any more.")
    return position, analysis.action_items[position - 1]


async def refresh_items(
    deps: Deps, client: AsyncWebClient, body: dict[str, Any], number: int, item_id: int
) -> None:
    view_id = _list_view_id(body, CallbackId.ACTION_ITEMS_MODAL)
    if view_id is not None:
        analysis = await deps.postmortems.analysis_of(number)
        chased = await deps.reminders.last_chased(number)
        await client.views_update(
            view_id=view_id, view=action_items_form.build(analysis, chased=chased)
        )
        return
    container = body.get("container") or {}
    if container.get("type") == "message" and not container.get("is_ephemeral"):
        # A reminder in a channel: show who owns the item now instead of the buttons.
        position, item = _item(await deps.postmortems.analysis_of(number), item_id)
        owner = f"<@{item.owner_id}>" if item.owner_id else "nobody yet"
        await client.chat_update(
            channel=container["channel_id"],
            ts=container["message_ts"],
            text=f"Action #{position} of incident #{number} is owned by {owner}.",
            blocks=[
                SectionBlock(
                    text=f":white_check_mark: Action #{position} of incident #{number} "
                    f"— *{escape(item.title)}* — is owned by {owner}."
                )
            ],
        )


async def on_scope_add(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
    await ack()
    number = number_in(_action(body).get("value"))
    parent = _list_view_id(body, CallbackId.SCOPE_MODAL)
    await _show(client, body, slice_form.build(number, parent_view_id=parent))


async def on_scope_edit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number, slice_id = parse_ref(_action(body).get("value"))
    analysis = await deps.postmortems.analysis_of(number)
    row = next((r for r in analysis.slices if r.id == slice_id), None)
    if row is None:
        raise RecordNotFound("That scope row is gone (someone removed it).")
    parent = _list_view_id(body, CallbackId.SCOPE_MODAL)
    await _show(client, body, slice_form.build(number, row=row, parent_view_id=parent))


async def on_scope_remove(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number, slice_id = parse_ref(_action(body).get("value"))
    saved = await deps.records.remove_slice(
        number=number, slice_id=slice_id, actor=body["user"]["id"]
    )
    view_id = _list_view_id(body, CallbackId.SCOPE_MODAL)
    if view_id is not None:
        view = scope_form.build(saved.incident, saved.rows, contradiction=saved.contradiction)
        await client.views_update(view_id=view_id, view=view)


async def on_item_add(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
    await ack()
    number = number_in(_action(body).get("value"))
    parent = _list_view_id(body, CallbackId.ACTION_ITEMS_MODAL)
    await _show(client, body, action_item_form.build(number, parent_view_id=parent))


async def on_item_done(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number, item_id = parse_ref(_action(body).get("value"))
    position, item = _item(await deps.postmortems.analysis_of(number), item_id)
    if item.status is not ActionStatus.OPEN:
        raise RecordNotFound(f"Action #{position} is already {item.status.value}.")
    parent = _list_view_id(body, CallbackId.ACTION_ITEMS_MODAL)
    await _show(client, body, done_form.build(number, position, item, parent_view_id=parent))


async def on_item_take(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number, item_id = parse_ref(_action(body).get("value"))
    await deps.action_items.take_action(number=number, item_id=item_id, actor=body["user"]["id"])
    await refresh_items(deps, client, body, number, item_id)


async def on_item_assign(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    action = _action(body)
    owner = action.get("selected_user")
    if not owner:
        return
    # The select has no value of its own; its block is `action_item.<incident>:<item>`.
    number, item_id = parse_ref(str(action["block_id"]).removeprefix("action_item."))
    await deps.action_items.assign_action(
        number=number, item_id=item_id, owner_id=owner, actor=body["user"]["id"]
    )
    await refresh_items(deps, client, body, number, item_id)


async def on_snooze(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    number, item_id = parse_ref(_action(body).get("value"))
    _, item = _item(await deps.postmortems.analysis_of(number), item_id)
    until = await deps.reminders.snooze_overdue(incident_number=number, item=item)
    await respond(
        replace_original=True,
        text=f":zzz: Snoozed: no reminder about *{escape(item.title)}* before "
        f"{until.strftime('%Y-%m-%d %H:%M UTC')}.",
    )


async def on_item_more(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    await ack()
    choice, _, ref = chosen_in(_action(body)).partition(":")
    number, item_id = parse_ref(ref)
    if choice == "drop":
        await deps.action_items.drop_action(
            number=number, item_id=item_id, actor=body["user"]["id"]
        )
        await refresh_items(deps, client, body, number, item_id)
        return
    _, item = _item(await deps.postmortems.analysis_of(number), item_id)
    parent = _list_view_id(body, CallbackId.ACTION_ITEMS_MODAL)
    await _show(client, body, action_item_form.build(number, item=item, parent_view_id=parent))


def register(app: AsyncApp, deps: Deps) -> None:
    app.action(ActionId.SCOPE_ADD_ROW)(guarded(on_scope_add))
    app.action(ActionId.SCOPE_EDIT_ROW)(guarded(on_scope_edit))
    app.action(ActionId.SCOPE_REMOVE_ROW)(guarded(on_scope_remove))
    app.action(ActionId.ACTION_ITEM_ADD)(guarded(on_item_add))
    app.action(ActionId.ACTION_ITEM_DONE)(guarded(on_item_done))
    app.action(ActionId.ACTION_ITEM_TAKE)(guarded(on_item_take))
    app.action(ActionId.ACTION_ITEM_ASSIGN)(guarded(on_item_assign))
    app.action(ActionId.ACTION_ITEM_MORE)(guarded(on_item_more))
    app.action(ActionId.REMINDER_SNOOZE)(guarded(on_snooze))
