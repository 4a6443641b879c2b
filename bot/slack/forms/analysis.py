"""The analysis forms: detection, root cause, and the scope list with its row form.

Each opens prefilled with what is stored, so a responder refines the record instead of retyping
it; nothing derived (time-to-detect, a slice's delta) is ever an input.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.forms import LONG_TEXT_MAX
from bot.core.incidents.model import HowDetected, Incident
from bot.core.postmortem.analysis import (
    ContributingFactor,
    Layer,
    SliceImpact,
    WhyNotCaught,
    axis_label,
)
from bot.core.postmortem.formatting import number, percent, signed
from bot.core.postmortem.forms import MAX_SLICE_LABEL, evidence_field, what_changed_field
from bot.core.postmortem.reader import Analysis
from bot.core.postmortem.service import AxisSuggestion
from bot.core.timeline import Axis
from bot.slack.forms.fields import (
    AnalysisState,
    SliceState,
    block_id,
    datetime_input,
    initial,
    item_ref,
    select_input,
    text_input,
)
from bot.slack.ids import (
    ActionId,
    CallbackId,
    DetectionField,
    PostmortemForm,
    RootCauseField,
    SliceField,
)
from bot.slack.messages.format import options, truncate
from bot.slack.messages.mrkdwn import escape

# Two blocks per row (the row, its buttons) within Slack's 100 blocks per view.
MAX_LISTED_ROWS = 40


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, 3000))])


def _state(incident: Incident) -> str:
    assert incident.number is not None and incident.channel_id is not None
    return AnalysisState(incident_number=incident.number, channel_id=incident.channel_id).encode()


def _heading(incident: Incident, text: str) -> SectionBlock:
    return SectionBlock(
        text=truncate(f"*#{incident.number} {escape(incident.title)}*\n{text}", 3000)
    )


# -- detection ------------------------------------------------------------------------------------


def detection_modal(analysis: Analysis) -> View:
    incident, detection = analysis.incident, analysis.detection
    form = PostmortemForm.DETECTION
    how = (detection.how if detection else None) or incident.how_detected
    started = (detection.regression_started_at if detection else None) or (
        incident.regression_started_at
    )
    alarm = (detection.first_alarm_at if detection else None) or incident.first_alarm_at
    return View(
        type="modal",
        callback_id=CallbackId.DETECTION_MODAL,
        title="Detection",
        submit="Save",
        close="Cancel",
        private_metadata=_state(incident),
        blocks=[
            _heading(
                incident,
                "How did we learn, and how late? Time-to-detect is computed from the two "
                "times below (regression start → first credible alarm).",
            ),
            select_input(
                form,
                DetectionField.HOW,
                "How we learned",
                [(h.value, h.label) for h in HowDetected],
                value=how.value if how else None,
                optional=False,
            ),
            text_input(
                form,
                DetectionField.SIGNAL,
                "Which signal",
                value=detection.signal if detection else None,
                placeholder="e.g. Partner escalation: fabricated citation in a brief",
                hint="If a dashboard caught it, the signal that fired; if a user did, what they "
                "reported.",
            ),
            text_input(
                form,
                DetectionField.SIGNAL_URL,
                "Link to the signal",
                value=detection.signal_url if detection else None,
                max_length=2000,
                placeholder="https://…",
            ),
            datetime_input(
                form,
                DetectionField.REGRESSION_STARTED_AT,
                "Regression started",
                value=started,
                hint="When the output first went wrong (prefilled from the declaration).",
            ),
            datetime_input(
                form,
                DetectionField.FIRST_ALARM_AT,
                "First credible alarm",
                value=alarm,
                hint="The first signal someone could act on: an alert, a report, a dashboard.",
            ),
            text_input(
                form,
                DetectionField.WHAT_WE_MISSED,
                "What we missed",
                value=detection.what_we_missed if detection else None,
                multiline=True,
                max_length=LONG_TEXT_MAX,
                placeholder="The signal that should have fired earlier, and why it did not.",
            ),
            text_input(
                form,
                DetectionField.ALARM_IGNORED_OR_MISROUTED,
                "An alarm ignored or paged to the wrong rotation?",
                value=detection.alarm_ignored_or_misrouted if detection else None,
                multiline=True,
                max_length=LONG_TEXT_MAX,
            ),
        ],
    )


# -- root cause -----------------------------------------------------------------------------------


def _suggestion_line(suggestion: AxisSuggestion) -> str:
    first = suggestion.events[0]
    more = f" (+{len(suggestion.events) - 1} more)" if len(suggestion.events) > 1 else ""
    return f"{first.kind.value} {first.occurred_at:%Y-%m-%d %H:%M} UTC: {first.summary}{more}"


def root_cause_modal(analysis: Analysis, suggestions: Sequence[AxisSuggestion]) -> View:
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
        _heading(
            incident,
            "Which axis moved, and which moved first? Each chosen axis needs what changed and "
            "a link to the evidence (a trace, commit, config or provider notice).",
        )
    ]
    for in_window, heading in (
        (True, "Control-plane changes on the timeline in the incident window"),
        (False, "Earlier control-plane changes on the timeline (before the window)"),
    ):
        listed = [s for s in suggestions if s.in_window is in_window]
        if listed:
            lines = "\n".join(
                f"• *{axis_label(s.axis)}* — {escape(truncate(_suggestion_line(s), 200))}"
                for s in listed
            )
            blocks.append(_context(f"*{heading}:*\n{lines}"))
    blocks += [
        InputBlock(
            block_id=block_id(form, RootCauseField.AXES),
            label="Axes that moved",
            element=CheckboxesElement(
                action_id=RootCauseField.AXES,
                options=axis_options,
                initial_options=chosen or None,
            ),
            optional=True,
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
        _checkboxes_input(
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
        private_metadata=_state(incident),
        blocks=blocks,
    )


def _checkboxes_input(
    form: PostmortemForm,
    field: str,
    label: str,
    pairs: Sequence[tuple[str, str]],
    *,
    chosen: Sequence[str],
) -> InputBlock:
    opts = options(pairs)
    picked = [o for o in opts if o.value in chosen]
    return InputBlock(
        block_id=block_id(form, field),
        label=label,
        optional=True,
        element=CheckboxesElement(action_id=field, options=opts, initial_options=picked or None),
    )


# -- scope ----------------------------------------------------------------------------------------


def slice_line(row: SliceImpact) -> str:
    """`*slice* — metric: 97 → 61 (-36, -37.1%, worse) · 212 users`."""
    change = signed(row.delta)
    if row.delta_pct is not None:
        change += f", {percent(row.delta_pct)}"
    if row.regressed:
        change += ", worse"
    elif row.delta:
        change += ", better"
    users = f" · {row.users_affected:,} users" if row.users_affected is not None else ""
    return (
        f"*{escape(row.slice)}* — {escape(row.metric)}: {number(row.baseline)} → "
        f"{number(row.incident_value)} ({change}){users}"
    )


def scope_modal(
    incident: Incident, rows: Sequence[SliceImpact], *, contradiction: str | None
) -> View:
    assert incident.number is not None
    blocks: list[Block] = [
        _heading(
            incident,
            f"Per-slice scorecard (severity {incident.severity.value}). Scope sets severity: "
            "never assume “all users” without checking.",
        )
    ]
    if not rows:
        blocks.append(
            SectionBlock(text="_No slice rows yet._ Add each affected slice with its baseline.")
        )
    for row in rows[:MAX_LISTED_ROWS]:
        ref = item_ref(incident.number, row.id)
        blocks.append(SectionBlock(text=truncate(slice_line(row), 3000)))
        blocks.append(
            ActionsBlock(
                block_id=f"scope.row.{row.id}",
                elements=[
                    ButtonElement(text="Edit", action_id=ActionId.SCOPE_EDIT_ROW, value=ref),
                    ButtonElement(
                        text="Remove",
                        action_id=ActionId.SCOPE_REMOVE_ROW,
                        value=ref,
                        style="danger",
                        confirm=ConfirmObject(
                            title="Remove this row?",
                            text=PlainTextObject(
                                text=truncate(f"Remove “{row.slice}” from the scope?", 300)
                            ),
                            confirm="Remove",
                            deny="Keep",
                        ),
                    ),
                ],
            )
        )
    if len(rows) > MAX_LISTED_ROWS:
        blocks.append(_context(f"…and {len(rows) - MAX_LISTED_ROWS} more rows."))
    if contradiction:
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=truncate(f":warning: {contradiction}", 3000)))
    blocks.append(
        ActionsBlock(
            block_id="scope.add",
            elements=[
                ButtonElement(
                    text="Add a row",
                    action_id=ActionId.SCOPE_ADD_ROW,
                    value=str(incident.number),
                    style="primary",
                )
            ],
        )
    )
    blocks.append(_context("The delta is computed. Each row is saved as soon as you save it."))
    return View(
        type="modal",
        callback_id=CallbackId.SCOPE_MODAL,
        title="Scope",
        close="Done",
        private_metadata=_state(incident),
        blocks=blocks,
    )


def slice_modal(
    number_: int, *, row: SliceImpact | None = None, parent_view_id: str | None = None
) -> View:
    form = PostmortemForm.SLICE
    direction = options(
        [
            ("higher", "Higher is better (accuracy, pass rate, refusals on high-risk)"),
            ("lower", "Lower is better (escalations, errors, cost)"),
        ]
    )
    return View(
        type="modal",
        callback_id=CallbackId.SLICE_MODAL,
        title="Edit scope row" if row else "Add scope row",
        submit="Save",
        close="Back",
        private_metadata=SliceState(
            incident_number=number_,
            slice_id=row.id if row else None,
            parent_view_id=parent_view_id,
        ).encode(),
        blocks=[
            text_input(
                form,
                SliceField.SLICE,
                "Slice",
                value=row.slice if row else None,
                optional=False,
                max_length=MAX_SLICE_LABEL,
                placeholder="e.g. Queries on filings added in the January update",
            ),
            text_input(
                form,
                SliceField.METRIC,
                "Metric",
                value=row.metric if row else None,
                optional=False,
                max_length=MAX_SLICE_LABEL,
                placeholder="e.g. citation accuracy (%)",
            ),
            text_input(
                form,
                SliceField.BASELINE,
                "Baseline",
                value=number(row.baseline) if row else None,
                optional=False,
                max_length=40,
                placeholder="e.g. 97",
            ),
            text_input(
                form,
                SliceField.INCIDENT_VALUE,
                "During the incident",
                value=number(row.incident_value) if row else None,
                optional=False,
                max_length=40,
                placeholder="e.g. 61",
            ),
            text_input(
                form,
                SliceField.USERS_AFFECTED,
                "Users affected",
                value=str(row.users_affected) if row and row.users_affected is not None else None,
                max_length=20,
                placeholder="e.g. 212 (an estimate is fine)",
            ),
            InputBlock(
                block_id=block_id(form, ActionId.SLICE_HIGHER_IS_BETTER),
                label="Direction",
                element=RadioButtonsElement(
                    action_id=ActionId.SLICE_HIGHER_IS_BETTER,
                    options=direction,
                    initial_option=initial(
                        direction, "lower" if row and not row.higher_is_better else "higher"
                    ),
                ),
            ),
        ],
    )
