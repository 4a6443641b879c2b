"""Submissions of the postmortem's forms.

Each form is read into the raw form the core checks (bot.core.postmortem.validation), checked
before the ack so problems show under the field at fault with nothing stored, then handed to
the PostmortemService, which checks again and stores it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.postmortem.analysis import ActionCategory
from bot.core.postmortem.flags import RULE_BY_CODE
from bot.core.postmortem.service import action_form_errors, completion_errors
from bot.core.postmortem.validation import (
    ActionField,
    ActionItemForm,
    DetectionField,
    DetectionForm,
    Errors,
    ResolutionField,
    ResolutionForm,
    RootCauseField,
    RootCauseForm,
    SliceField,
    SliceForm,
    evidence_field,
    validate_detection,
    validate_resolution,
    validate_root_cause,
    validate_slice,
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
from bot.slack.ids import ActionId, CallbackId, PostmortemForm
from bot.slack.messages.action_items import action_items_modal
from bot.slack.payloads import view_value

log = logging.getLogger(__name__)


def _value(view: dict[str, Any], form: PostmortemForm, field: str) -> Any:
    return view_value(view, block_id(form, field), field)


def _text(view: dict[str, Any], form: PostmortemForm, field: str) -> str | None:
    value = _value(view, form, field)
    return str(value) if value is not None else None


def _list(view: dict[str, Any], form: PostmortemForm, field: str) -> list[str]:
    value = _value(view, form, field)
    return [str(v) for v in value] if isinstance(value, list) else []


# -- reading the forms ------------------------------------------------------------------------


def detection_form(view: dict[str, Any]) -> DetectionForm:
    form = PostmortemForm.DETECTION
    return DetectionForm(
        how=_text(view, form, DetectionField.HOW),
        signal=_text(view, form, DetectionField.SIGNAL),
        signal_url=_text(view, form, DetectionField.SIGNAL_URL),
        regression_started_at=_value(view, form, DetectionField.REGRESSION_STARTED_AT),
        first_alarm_at=_value(view, form, DetectionField.FIRST_ALARM_AT),
        what_we_missed=_text(view, form, DetectionField.WHAT_WE_MISSED),
        alarm_ignored_or_misrouted=_text(view, form, DetectionField.ALARM_IGNORED_OR_MISROUTED),
    )


def slice_form(view: dict[str, Any]) -> SliceForm:
    form = PostmortemForm.SLICE
    return SliceForm(
        slice=_text(view, form, SliceField.SLICE),
        metric=_text(view, form, SliceField.METRIC),
        baseline=_text(view, form, SliceField.BASELINE),
        incident_value=_text(view, form, SliceField.INCIDENT_VALUE),
        users_affected=_text(view, form, SliceField.USERS_AFFECTED),
        higher_is_better=_text(view, form, ActionId.SLICE_HIGHER_IS_BETTER) != "lower",
    )


def root_cause_form(view: dict[str, Any]) -> RootCauseForm:
    form = PostmortemForm.ROOT_CAUSE
    return RootCauseForm(
        axes=_list(view, form, RootCauseField.AXES),
        first_axis=_text(view, form, RootCauseField.FIRST_AXIS),
        what_changed={a.value: _text(view, form, what_changed_field(a)) for a in Axis},
        evidence_url={a.value: _text(view, form, evidence_field(a)) for a in Axis},
        why_not_caught=_text(view, form, RootCauseField.WHY_NOT_CAUGHT),
        why_not_caught_text=_text(view, form, RootCauseField.WHY_NOT_CAUGHT_TEXT),
        contributing_factors=_list(view, form, RootCauseField.CONTRIBUTING_FACTORS),
        layer=_text(view, form, RootCauseField.LAYER),
    )


def action_item_form(view: dict[str, Any]) -> ActionItemForm:
    form = PostmortemForm.ACTION
    return ActionItemForm(
        category=_text(view, form, ActionField.CATEGORY),
        title=_text(view, form, ActionField.TITLE),
        owner_id=_text(view, form, ActionField.OWNER_ID),
        due=_text(view, form, ActionField.DUE),
        artefact_url=_text(view, form, ActionField.ARTEFACT_URL),
        labels=_text(view, form, ActionField.LABELS),
        kappa=_text(view, form, ActionField.KAPPA),
        tpr=_text(view, form, ActionField.TPR),
        tnr=_text(view, form, ActionField.TNR),
        judge_version=_text(view, form, ActionField.JUDGE_VERSION),
    )


@dataclass(frozen=True)
class Completion:
    """The "mark done" form: the artefact, and the calibration record for a calibration."""

    artefact_url: str | None
    labels: str | None
    kappa: str | None
    tpr: str | None
    tnr: str | None
    judge_version: str | None


def completion_form(view: dict[str, Any]) -> Completion:
    form = PostmortemForm.DONE
    return Completion(
        artefact_url=_text(view, form, ActionField.ARTEFACT_URL),
        labels=_text(view, form, ActionField.LABELS),
        kappa=_text(view, form, ActionField.KAPPA),
        tpr=_text(view, form, ActionField.TPR),
        tnr=_text(view, form, ActionField.TNR),
        judge_version=_text(view, form, ActionField.JUDGE_VERSION),
    )


def resolution_form(view: dict[str, Any]) -> ResolutionForm:
    form = PostmortemForm.CLOSE
    others = (_text(view, form, ActionId.EXIT_CRITERIA_OTHER) or "").splitlines()
    return ResolutionForm(
        summary=_text(view, form, ResolutionField.SUMMARY),
        mitigated_at=_value(view, form, ResolutionField.MITIGATED_AT),
        exit_criteria_met=[
            *_list(view, form, ResolutionField.EXIT_CRITERIA_MET),
            *(line.strip() for line in others if line.strip()),
        ],
    )


def once(view: dict[str, Any]) -> str:
    """A submission's key: Slack may deliver one submission twice (a double click)."""
    return f"view-submission:{view['id']}"


def close_errors(view: dict[str, Any], state: CloseState, errors: Errors) -> Errors:
    """The form's own errors, plus a refusal when blocking flags are open and "close anyway"
    is not ticked."""
    anyway = CLOSE_ANYWAY in _list(view, PostmortemForm.CLOSE, ActionId.CLOSE_ANYWAY)
    if state.blocking and not anyway:
        titles = ", ".join(
            RULE_BY_CODE[code].title if code in RULE_BY_CODE else code for code in state.blocking
        )
        errors = {
            **errors,
            ActionId.CLOSE_ANYWAY: (
                f"Blocking review flags are open: {titles}. Fix them first, or tick "
                "“Close anyway” — that is recorded in the postmortem."
            ),
        }
    return errors


# -- the listeners -------------------------------------------------------------------------------


def register(app: AsyncApp, deps: Deps) -> None:
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

    async def on_detection(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = detection_form(view)
        errors = validate_detection(form, now=deps.clock.now())
        if errors:
            await ack(
                response_action="errors",
                errors=errors_for_view(PostmortemForm.DETECTION, errors, view),
            )
            return
        await ack()
        state = AnalysisState.decode(view.get("private_metadata"))
        await deps.postmortems.record_detection(
            number=state.incident_number, actor=body["user"]["id"], form=form
        )

    async def on_slice(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        form = slice_form(view)
        errors = validate_slice(form)
        if errors:
            await ack(
                response_action="errors", errors=errors_for_view(PostmortemForm.SLICE, errors, view)
            )
            return
        await ack()
        state = SliceState.decode(view.get("private_metadata"))
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

    async def on_root_cause(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = root_cause_form(view)
        errors = validate_root_cause(form)
        if errors:
            await ack(
                response_action="errors",
                errors=errors_for_view(PostmortemForm.ROOT_CAUSE, errors, view),
            )
            return
        await ack()
        state = AnalysisState.decode(view.get("private_metadata"))
        await deps.postmortems.record_root_cause(
            number=state.incident_number, actor=body["user"]["id"], form=form
        )

    async def on_action_item(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        state = ActionItemState.decode(view.get("private_metadata"))
        form = action_item_form(view)
        editing = state.item_id is not None
        checked = replace(form, status=state.status) if editing else form
        errors = action_form_errors(
            checked, now=deps.clock.now(), editing=editing, original_due=state.original_due
        )
        if errors:
            await ack(
                response_action="errors",
                errors=errors_for_view(PostmortemForm.ACTION, errors, view),
            )
            return
        await ack()
        actor = body["user"]["id"]
        number = state.incident_number
        if state.item_id is None:
            await deps.postmortems.create_action(
                number=number, actor=actor, form=form, once=once(view)
            )
        else:
            await deps.postmortems.edit_action(
                number=number, item_id=state.item_id, actor=actor, form=form
            )

        async def build() -> View:
            return action_items_modal(
                await deps.postmortems.analysis_of(number),
                chased=await deps.reminders.last_chased(number),
            )

        await refresh(client, state.parent_view_id, build)

    async def on_done(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        state = DoneState.decode(view.get("private_metadata"))
        done = completion_form(view)
        errors = completion_errors(
            ActionCategory(state.category),
            now=deps.clock.now(),
            has_record=state.has_record,
            **asdict(done),
        )
        if errors:
            await ack(
                response_action="errors", errors=errors_for_view(PostmortemForm.DONE, errors, view)
            )
            return
        await ack()
        number = state.incident_number
        await deps.postmortems.complete_action(
            number=number,
            item_id=state.item_id,
            actor=body["user"]["id"],
            once=once(view),
            **asdict(done),
        )

        async def build() -> View:
            return action_items_modal(
                await deps.postmortems.analysis_of(number),
                chased=await deps.reminders.last_chased(number),
            )

        await refresh(client, state.parent_view_id, build)

    async def on_close(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = CloseState.decode(view.get("private_metadata"))
        form = resolution_form(view)
        errors = close_errors(
            view,
            state,
            validate_resolution(
                form, now=deps.clock.now(), regression_started_at=state.regression_started_at
            ),
        )
        if errors:
            await ack(
                response_action="errors", errors=errors_for_view(PostmortemForm.CLOSE, errors, view)
            )
            return
        await ack()
        anyway = CLOSE_ANYWAY in _list(view, PostmortemForm.CLOSE, ActionId.CLOSE_ANYWAY)
        await deps.postmortems.close(
            number=state.incident_number,
            actor=body["user"]["id"],
            form=form,
            close_anyway=anyway,
            reason=_text(view, PostmortemForm.CLOSE, ActionId.CLOSE_REASON),
            once=once(view),
        )

    app.view(CallbackId.DETECTION_MODAL)(guarded(on_detection))
    app.view(CallbackId.SLICE_MODAL)(guarded(on_slice))
    app.view(CallbackId.ROOT_CAUSE_MODAL)(guarded(on_root_cause))
    app.view(CallbackId.ACTION_ITEM_MODAL)(guarded(on_action_item))
    app.view(CallbackId.ACTION_DONE_MODAL)(guarded(on_done))
    app.view(CallbackId.CLOSE_MODAL)(guarded(on_close))
