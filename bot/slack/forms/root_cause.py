"""The root-cause form: the axes that moved (what changed, the evidence), the one that moved
first, why we did not catch it; the timeline's control-plane changes are offered as hints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    InputBlock,
    Option,
)
from slack_sdk.models.views import View

from bot.core.forms import LONG_TEXT_MAX
from bot.core.postmortem.analysis import (
    ContributingFactor,
    Layer,
    WhyNotCaught,
    axis_label,
)
from bot.core.postmortem.forms.findings import evidence_field, what_changed_field
from bot.core.postmortem.reader import Analysis
from bot.core.postmortem.records_service import AxisSuggestion
from bot.core.timeline import Axis
from bot.slack.forms.fields import (
    analysis_state,
    block_id,
    checkboxes_input,
    context_block,
    heading,
    list_of,
    select_input,
    text_input,
    text_of,
)
from bot.slack.ids import (
    CallbackId,
    PostmortemForm,
    RootCauseField,
)
from bot.slack.messages.format import truncate
from bot.slack.messages.mrkdwn import escape


def _suggestion_line(suggestion: AxisSuggestion) -> str:
    first = suggestion.events[0]
    more = f" (+{len(suggestion.events) - 1} more)" if len(suggestion.events) > 1 else ""
    return f"{first.kind.value} {first.occurred_at:%Y-%m-%d %H:%M} UTC: {first.summary}{more}"


def build(analysis: Analysis, suggestions: Sequence[AxisSuggestion]) -> View:
    incident, root = analysis.incident, analysis.root_cause
    form = PostmortemForm.ROOT_CAUSE
    suggested = {s.axis: s for s in suggestions}
    findings = {f.axis: f for f in root.axes} if root else {}
    axis_options = [
        Option(
            value=axis.value,
            text=axis_label(axis),
            description=truncate(
                ("Timeline: " if suggested[axis].in_window else "Earlier: ")
                + _suggestion_line(suggested[axis]),
                75,
            )
            if axis in suggested
            else None,
        )
        for axis in Axis
    ]
    chosen = [o for o in axis_options if Axis(o.value) in findings]
    blocks: list[Block] = [
        heading(
            incident,
            "Which axis moved, and which moved first? Each chosen axis needs what changed and "
            "a link to the evidence (a trace, commit, config or provider notice).",
        )
    ]
    for in_window, title in (
        (True, "Control-plane changes on the timeline in the incident window"),
        (False, "Earlier control-plane changes on the timeline (before the window)"),
    ):
        listed = [s for s in suggestions if s.in_window is in_window]
        if listed:
            lines = "\n".join(
                f"• *{axis_label(s.axis)}* — {escape(truncate(_suggestion_line(s), 200))}"
                for s in listed
            )
            blocks.append(context_block(f"*{title}:*\n{lines}"))
    blocks += [
        InputBlock(
            block_id=block_id(form, RootCauseField.AXES),
            label="Axes that moved",
            element=CheckboxesElement(
                action_id=RootCauseField.AXES,
                options=axis_options,
                initial_options=chosen or None,
            ),
            # Required, as the input model and the blocking flag have it: a root cause with no
            # axis leaves no path to prevention, so Slack should not offer to leave it empty.
            optional=False,
        ),
        select_input(
            form,
            RootCauseField.FIRST_AXIS,
            "Which moved first",
            [(a.value, axis_label(a)) for a in Axis],
            value=root.first_axis.value if root and root.first_axis else None,
            hint="One of the axes chosen above; with one axis it is that one.",
        ),
    ]
    for axis in Axis:
        finding = findings.get(axis)
        hint_event = suggested[axis].events[0] if axis in suggested else None
        blocks.append(
            text_input(
                form,
                what_changed_field(axis),
                f"{axis_label(axis)}: what changed",
                value=finding.what_changed if finding else None,
                multiline=True,
                max_length=LONG_TEXT_MAX,
                placeholder=hint_event.summary if hint_event else None,
            )
        )
        blocks.append(
            text_input(
                form,
                evidence_field(axis),
                f"{axis_label(axis)}: evidence link",
                value=finding.evidence_url if finding else None,
                max_length=2000,
                placeholder=(hint_event.permalink if hint_event else None) or "https://…",
            )
        )
    blocks += [
        select_input(
            form,
            RootCauseField.WHY_NOT_CAUGHT,
            "Why we did not catch it",
            [(w.value, w.label) for w in WhyNotCaught],
            value=root.why_not_caught.value if root and root.why_not_caught else None,
            optional=False,
        ),
        text_input(
            form,
            RootCauseField.WHY_NOT_CAUGHT_TEXT,
            "Why, in a sentence",
            value=root.why_not_caught_text if root else None,
            multiline=True,
            max_length=LONG_TEXT_MAX,
            hint="Required when you chose “Other”.",
        ),
        checkboxes_input(
            form,
            RootCauseField.CONTRIBUTING_FACTORS,
            "Contributing factors",
            [(c.value, c.label) for c in ContributingFactor],
            chosen=[c.value for c in root.contributing_factors] if root else [],
        ),
        select_input(
            form,
            RootCauseField.LAYER,
            "Layer (optional tag)",
            [(layer.value, layer.label) for layer in Layer],
            value=root.layer.value if root and root.layer else None,
        ),
    ]
    return View(
        type="modal",
        callback_id=CallbackId.ROOT_CAUSE_MODAL,
        title="Root cause",
        submit="Save",
        close="Cancel",
        private_metadata=analysis_state(incident),
        blocks=blocks,
    )


def read(values: Mapping[str, Any]) -> dict[str, object]:
    form = PostmortemForm.ROOT_CAUSE
    return dict(
        axes=list_of(values, form, RootCauseField.AXES),
        first_axis=text_of(values, form, RootCauseField.FIRST_AXIS),
        what_changed={a.value: text_of(values, form, what_changed_field(a)) for a in Axis},
        evidence_url={a.value: text_of(values, form, evidence_field(a)) for a in Axis},
        why_not_caught=text_of(values, form, RootCauseField.WHY_NOT_CAUGHT),
        why_not_caught_text=text_of(values, form, RootCauseField.WHY_NOT_CAUGHT_TEXT),
        contributing_factors=list_of(values, form, RootCauseField.CONTRIBUTING_FACTORS),
        layer=text_of(values, form, RootCauseField.LAYER),
    )
