"""Submissions of the postmortem's forms.

Each form is read into the raw values its core input model checks (bot.core.postmortem.forms),
checked once, before the ack, so problems show under the field at fault with nothing stored;
the checked input is then handed to the PostmortemService, which stores it.
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
from bot.core.postmortem.flags import RULE_BY_CODE
from bot.core.postmortem.forms import (
    ActionItemInput,
    CompletionInput,
    DetectionInput,
    ResolutionInput,
    RootCauseInput,
    SliceInput,
    evidence_field,
    what_changed_field,
)
from bot.core.timeline import Axis
from bot.deps import Deps
from bot.slack.forms.analysis import scope_modal
from bot.slack.forms.close import CLOSE_ANYWAY
from bot.slack.forms.fields import (
    ActionItemState,
    AnalysisState,
    CloseState,
    DoneState,
    SliceState,
    block_id,
    errors_for_view,
)
from bot.slack.guard import guarded
from bot.slack.ids import (
    ActionField,
    ActionId,
    CallbackId,
    DetectionField,
    PostmortemForm,
    ResolutionField,
    RootCauseField,
    SliceField,
)
from bot.slack.messages.action_items import action_items_modal
from bot.slack.middleware import deps_of

log = logging.getLogger(__name__)
InputT = TypeVar("InputT", bound=FormInput)
Raw = dict[str, object]
Values = Mapping[str, Any]


def _value(values: Values, form: PostmortemForm, field: str) -> Any:
    return values.get(block_id(form, field))


def _text(values: Values, form: PostmortemForm, field: str) -> str | None:
    value = _value(values, form, field)
    return str(value) if value is not None else None


def _list(values: Values, form: PostmortemForm, field: str) -> list[str]:
    value = _value(values, form, field)
    return [str(v) for v in value] if isinstance(value, list) else []


# -- reading the forms ------------------------------------------------------------------------


def detection_form(values: Values) -> Raw:
    form = PostmortemForm.DETECTION
    return dict(
        how=_text(values, form, DetectionField.HOW),
        signal=_text(values, form, DetectionField.SIGNAL),
        signal_url=_text(values, form, DetectionField.SIGNAL_URL),
        regression_started_at=_value(values, form, DetectionField.REGRESSION_STARTED_AT),
        first_alarm_at=_value(values, form, DetectionField.FIRST_ALARM_AT),
        what_we_missed=_text(values, form, DetectionField.WHAT_WE_MISSED),
        alarm_ignored_or_misrouted=_text(values, form, DetectionField.ALARM_IGNORED_OR_MISROUTED),
    )


def slice_form(values: Values) -> Raw:
    form = PostmortemForm.SLICE
    return dict(
        slice=_text(values, form, SliceField.SLICE),
        metric=_text(values, form, SliceField.METRIC),
        baseline=_text(values, form, SliceField.BASELINE),
        incident_value=_text(values, form, SliceField.INCIDENT_VALUE),
        users_affected=_text(values, form, SliceField.USERS_AFFECTED),
        higher_is_better=_text(values, form, ActionId.SLICE_HIGHER_IS_BETTER) != "lower",
    )


def root_cause_form(values: Values) -> Raw:
    form = PostmortemForm.ROOT_CAUSE
    return dict(
        axes=_list(values, form, RootCauseField.AXES),
        first_axis=_text(values, form, RootCauseField.FIRST_AXIS),
        what_changed={a.value: _text(values, form, what_changed_field(a)) for a in Axis},
        evidence_url={a.value: _text(values, form, evidence_field(a)) for a in Axis},
        why_not_caught=_text(values, form, RootCauseField.WHY_NOT_CAUGHT),
        why_not_caught_text=_text(values, form, RootCauseField.WHY_NOT_CAUGHT_TEXT),
        contributing_factors=_list(values, form, RootCauseField.CONTRIBUTING_FACTORS),
        layer=_text(values, form, RootCauseField.LAYER),
    )


def action_item_form(values: Values) -> Raw:
    form = PostmortemForm.ACTION
    return dict(
        category=_text(values, form, ActionField.CATEGORY),
        title=_text(values, form, ActionField.TITLE),
        owner_id=_text(values, form, ActionField.OWNER_ID),
        due=_text(values, form, ActionField.DUE),
        artefact_url=_text(values, form, ActionField.ARTEFACT_URL),
        labels=_text(values, form, ActionField.LABELS),
        kappa=_text(values, form, ActionField.KAPPA),
        tpr=_text(values, form, ActionField.TPR),
        tnr=_text(values, form, ActionField.TNR),
        judge_version=_text(values, form, ActionField.JUDGE_VERSION),
    )


def completion_form(values: Values) -> Raw:
    form = PostmortemForm.DONE
    return dict(
        artefact_url=_text(values, form, ActionField.ARTEFACT_URL),
        labels=_text(values, form, ActionField.LABELS),
        kappa=_text(values, form, ActionField.KAPPA),
        tpr=_text(values, form, ActionField.TPR),
        tnr=_text(values, form, ActionField.TNR),
        judge_version=_text(values, form, ActionField.JUDGE_VERSION),
    )


def resolution_form(values: Values) -> Raw:
    form = PostmortemForm.CLOSE
    others = (_text(values, form, ActionId.EXIT_CRITERIA_OTHER) or "").splitlines()
    return dict(
        summary=_text(values, form, ResolutionField.SUMMARY),
        mitigated_at=_value(values, form, ResolutionField.MITIGATED_AT),
        exit_criteria_met=[
            *_list(values, form, ResolutionField.EXIT_CRITERIA_MET),
            *(line.strip() for line in others if line.strip()),
        ],
    )


def once(view: dict[str, Any]) -> str:
    """A submission's key: Slack may deliver one submission twice (a double click)."""
    return f"view-submission:{view['id']}"


def close_refusal(values: Values, state: CloseState) -> FieldErrors:
    """A refusal when blocking flags were open as the form was opened and "close anyway" is
    not ticked (the core refuses such a close too; this says it inside the modal)."""
    anyway = CLOSE_ANYWAY in _list(values, PostmortemForm.CLOSE, ActionId.CLOSE_ANYWAY)
    if state.blocking and not anyway:
        titles = ", ".join(
            RULE_BY_CODE[code].title if code in RULE_BY_CODE else code for code in state.blocking
        )
        return {
            ActionId.CLOSE_ANYWAY: (
                f"Blocking review flags are open: {titles}. Fix them first, or tick "
                "“Close anyway” — that is recorded in the postmortem."
            )
        }
    return {}


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
    return action_items_modal(
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
        detection_form(context["values"]),
        form=PostmortemForm.DETECTION,
        view=view,
        now=deps.clock.now(),
    )
    if form is None:
        return
    await ack()
    state = AnalysisState.model_validate(context["metadata"])
    await deps.postmortems.record_detection(
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
        ack, SliceInput, slice_form(context["values"]), form=PostmortemForm.SLICE, view=view
    )
    if form is None:
        return
    await ack()
    state = SliceState.model_validate(context["metadata"])
    actor = body["user"]["id"]
    if state.slice_id is None:
        saved = await deps.postmortems.add_slice(
            number=state.incident_number, actor=actor, form=form, once=once(view)
        )
    else:
        saved = await deps.postmortems.edit_slice(
            number=state.incident_number, slice_id=state.slice_id, actor=actor, form=form
        )

    async def build() -> View:
        return scope_modal(saved.incident, saved.rows, contradiction=saved.contradiction)

    await refresh(client, state.parent_view_id, build)


async def on_root_cause(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    form = await checked(
        ack,
        RootCauseInput,
        root_cause_form(context["values"]),
        form=PostmortemForm.ROOT_CAUSE,
        view=view,
    )
    if form is None:
        return
    await ack()
    state = AnalysisState.model_validate(context["metadata"])
    await deps.postmortems.record_root_cause(
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
    state = ActionItemState.model_validate(context["metadata"])
    editing = state.item_id is not None
    form = await checked(
        ack,
        ActionItemInput,
        action_item_form(context["values"]),
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
        await deps.postmortems.create_action(number=number, actor=actor, form=form, once=once(view))
    else:
        await deps.postmortems.edit_action(
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
    state = DoneState.model_validate(context["metadata"])
    done = await checked(
        ack,
        CompletionInput,
        completion_form(context["values"]),
        form=PostmortemForm.DONE,
        view=view,
        category=state.category,
        has_record=state.has_record,
    )
    if done is None:
        return
    await ack()
    number = state.incident_number
    await deps.postmortems.complete_action(
        number=number, item_id=state.item_id, actor=body["user"]["id"], done=done, once=once(view)
    )
    await refresh(client, state.parent_view_id, lambda: action_list(deps, number))


async def on_close(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: AsyncBoltContext
) -> None:
    deps = deps_of(context)
    values: Values = context["values"]
    state = CloseState.model_validate(context["metadata"])
    form = await checked(
        ack,
        ResolutionInput,
        resolution_form(values),
        form=PostmortemForm.CLOSE,
        view=view,
        extra=close_refusal(values, state),
        now=deps.clock.now(),
        regression_started_at=state.regression_started_at,
    )
    if form is None:
        return
    await ack()
    anyway = CLOSE_ANYWAY in _list(values, PostmortemForm.CLOSE, ActionId.CLOSE_ANYWAY)
    await deps.postmortems.close(
        number=state.incident_number,
        actor=body["user"]["id"],
        form=form,
        close_anyway=anyway,
        reason=_text(values, PostmortemForm.CLOSE, ActionId.CLOSE_REASON),
        once=once(view),
    )


def register(app: AsyncApp, deps: Deps) -> None:
    app.view(CallbackId.DETECTION_MODAL)(guarded(on_detection))
    app.view(CallbackId.SLICE_MODAL)(guarded(on_slice))
    app.view(CallbackId.ROOT_CAUSE_MODAL)(guarded(on_root_cause))
    app.view(CallbackId.ACTION_ITEM_MODAL)(guarded(on_action_item))
    app.view(CallbackId.ACTION_DONE_MODAL)(guarded(on_done))
    app.view(CallbackId.CLOSE_MODAL)(guarded(on_close))
