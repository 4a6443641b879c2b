"""Submissions of the postmortem's forms.

Each form is read into the raw values its core input model checks (bot.core.postmortem.forms),
checked once, before the ack, so problems show under the field at fault with nothing stored;
the checked input is then handed to the use case (records, action items or the close).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.forms import FieldErrors, FormInput, field_errors
from bot.core.postmortem.forms import (
    ActionItemInput,
    CompletionInput,
    DetectionInput,
    ResolutionInput,
    RootCauseInput,
    SliceInput,
)
from bot.deps import Deps
from bot.slack.forms import action_item as action_item_form
from bot.slack.forms import action_items as action_items_form
from bot.slack.forms import close as close_form
from bot.slack.forms import detection as detection_form
from bot.slack.forms import done as done_form
from bot.slack.forms import root_cause as root_cause_form
from bot.slack.forms import scope as scope_form
from bot.slack.forms import slice as slice_form
from bot.slack.forms.close import CLOSE_ANYWAY
from bot.slack.forms.fields import (
    ActionItemState,
    AnalysisState,
    CloseState,
    DoneState,
    SliceState,
    errors_for_view,
    list_of,
    text_of,
)
from bot.slack.guard import guarded
from bot.slack.ids import (
    ActionId,
    CallbackId,
    PostmortemForm,
)
from bot.slack.middleware import deps_of
from bot.slack.payloads import submission_key

log = logging.getLogger(__name__)
InputT = TypeVar("InputT", bound=FormInput)
Raw = dict[str, object]
Values = Mapping[str, Any]


# -- reading the forms ------------------------------------------------------------------------


# -- the listeners -------------------------------------------------------------------------------


async def checked(
    ack: AsyncAck,
    model: type[InputT],
    raw: Raw,
    *,
    form: PostmortemForm,
    view: dict[str, Any],
    extra: FieldErrors | None = None,
    **context: object,
) -> InputT | None:
    """The form's input once the core accepts it; otherwise the modal is answered with every
    problem under its input (plus `extra` ones the edge adds) and None comes back."""
    accepted: InputT | None = None
    try:
        accepted = model.model_validate(raw, context=context)
        errors = dict(extra or {})
    except ValidationError as exc:
        errors = field_errors(exc) | (extra or {})
    if errors:
        await ack(response_action="errors", errors=errors_for_view(form, errors, view))
        return None
    return accepted


async def refresh(
    client: AsyncWebClient, view_id: str | None, build: Callable[[], Awaitable[View]]
) -> None:
    """Re-render the list a pushed form was opened from; it may have been closed."""
    if view_id is None:
        return
    try:
        await client.views_update(view_id=view_id, view=await build())
    except SlackApiError as error:
        if error.response.get("error") != "not_found":
            raise
        log.info("list view %s was closed before it could be refreshed", view_id)


async def action_list(deps: Deps, number: int) -> View:
    return action_items_form.build(
        await deps.postmortems.analysis_of(number),
        chased=await deps.reminders.last_chased(number),
    )


async def on_detection(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    form = await checked(
        ack,
        DetectionInput,
        detection_form.read(context["values"]),
        form=PostmortemForm.DETECTION,
        view=view,
        now=deps.clock.now(),
    )
    if form is None:
        return
    await ack()
    state = AnalysisState.decode(context["metadata"])
    await deps.records.record_detection(
        number=state.incident_number, actor=body["user"]["id"], form=form
    )


async def on_slice(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    form = await checked(
        ack, SliceInput, slice_form.read(context["values"]), form=PostmortemForm.SLICE, view=view
    )
    if form is None:
        return
    await ack()
    state = SliceState.decode(context["metadata"])
    actor = body["user"]["id"]
    if state.slice_id is None:
        saved = await deps.records.add_slice(
            number=state.incident_number, actor=actor, form=form, once=submission_key(view)
        )
    else:
        saved = await deps.records.edit_slice(
            number=state.incident_number, slice_id=state.slice_id, actor=actor, form=form
        )

    async def build() -> View:
        return scope_form.build(saved.incident, saved.rows, contradiction=saved.contradiction)

    await refresh(client, state.parent_view_id, build)


async def on_root_cause(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    form = await checked(
        ack,
        RootCauseInput,
        root_cause_form.read(context["values"]),
        form=PostmortemForm.ROOT_CAUSE,
        view=view,
    )
    if form is None:
        return
    await ack()
    state = AnalysisState.decode(context["metadata"])
    await deps.records.record_root_cause(
        number=state.incident_number, actor=body["user"]["id"], form=form
    )


async def on_action_item(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    state = ActionItemState.decode(context["metadata"])
    editing = state.item_id is not None
    form = await checked(
        ack,
        ActionItemInput,
        action_item_form.read(context["values"]),
        form=PostmortemForm.ACTION,
        view=view,
        now=deps.clock.now(),
        original_due=state.original_due if editing else None,
        status=state.status if editing else None,
    )
    if form is None:
        return
    await ack()
    actor = body["user"]["id"]
    number = state.incident_number
    if state.item_id is None:
        await deps.action_items.create_action(
            number=number, actor=actor, form=form, once=submission_key(view)
        )
    else:
        await deps.action_items.edit_action(
            number=number, item_id=state.item_id, actor=actor, form=form
        )
    await refresh(client, state.parent_view_id, lambda: action_list(deps, number))


async def on_done(
    ack: AsyncAck,
    body: dict[str, Any],
    view: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
    state = DoneState.decode(context["metadata"])
    done = await checked(
        ack,
        CompletionInput,
        done_form.read(context["values"]),
        form=PostmortemForm.DONE,
        view=view,
        category=state.category,
        has_record=state.has_record,
    )
    if done is None:
        return
    await ack()
    number = state.incident_number
    await deps.action_items.complete_action(
        number=number,
        item_id=state.item_id,
        actor=body["user"]["id"],
        done=done,
        once=submission_key(view),
    )
    await refresh(client, state.parent_view_id, lambda: action_list(deps, number))


async def on_close(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    values: Values = context["values"]
    state = CloseState.decode(context["metadata"])
    form = await checked(
        ack,
        ResolutionInput,
        close_form.read(values),
        form=PostmortemForm.CLOSE,
        view=view,
        extra=close_form.refusal(values, state),
        now=deps.clock.now(),
        regression_started_at=state.regression_started_at,
    )
    if form is None:
        return
    await ack()
    anyway = CLOSE_ANYWAY in list_of(values, PostmortemForm.CLOSE, ActionId.CLOSE_ANYWAY)
    await deps.postmortems.close(
        number=state.incident_number,
        actor=body["user"]["id"],
        form=form,
        close_anyway=anyway,
        reason=text_of(values, PostmortemForm.CLOSE, ActionId.CLOSE_REASON),
        once=submission_key(view),
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.DETECTION_MODAL)(guarded(on_detection))
    app.view(CallbackId.SLICE_MODAL)(guarded(on_slice))
    app.view(CallbackId.ROOT_CAUSE_MODAL)(guarded(on_root_cause))
    app.view(CallbackId.ACTION_ITEM_MODAL)(guarded(on_action_item))
    app.view(CallbackId.ACTION_DONE_MODAL)(guarded(on_done))
    app.view(CallbackId.CLOSE_MODAL)(guarded(on_close))
