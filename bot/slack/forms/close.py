"""The close form: the resolution, the exit criteria met, and the review flags still open.

When an open flag blocks (no root-cause axis, an axis without evidence, no eval-set item),
the form asks for an explicit "close anyway",
which is recorded and printed in the postmortem: the gap was seen and accepted, not missed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DividerBlock,
    InputBlock,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.core.forms import LONG_TEXT_MAX, FieldErrors
from bot.core.postmortem import Flag
from bot.core.postmortem.flags import RULE_BY_CODE
from bot.core.postmortem.reader import Analysis
from bot.slack.forms.fields import (
    CloseState,
    block_id,
    datetime_input,
    list_of,
    text_input,
    text_of,
    value_of,
)
from bot.slack.ids import (
    ActionId,
    CallbackId,
    PostmortemForm,
    ResolutionField,
)
from bot.slack.messages.format import options, truncate
from bot.slack.messages.mrkdwn import escape
from bot.slack.messages.postmortem import flag_sections

CLOSE_ANYWAY = "close_anyway"


MAX_OPTIONS = 10  # Slack's limit for a checkboxes element


def _offered(exit_criteria: Sequence[str], met: Sequence[str]) -> list[str]:
    """The runbook's criteria as checkboxes, in the runbook's order; when they do not all fit,
    the ones already met take the places first (the rest can still be typed below)."""
    every = list(dict.fromkeys(c for c in exit_criteria if c))
    if len(every) <= MAX_OPTIONS:
        return every
    chosen = {c for c in every if c in met}
    chosen |= set([c for c in every if c not in chosen][: max(MAX_OPTIONS - len(chosen), 0)])
    return [c for c in every if c in chosen][:MAX_OPTIONS]


def build(
    analysis: Analysis,
    flags: Sequence[Flag],
    *,
    exit_criteria: Sequence[str],
    confirmed: Sequence[str] = (),
) -> View:
    """`confirmed`: the exit criteria ticked in the runbook's phases, ticked here from the start
    (with any met ones stored before), so the postmortem lists every one without a second tick."""
    incident, resolution = analysis.incident, analysis.resolution
    assert incident.number is not None and incident.channel_id is not None
    form = PostmortemForm.CLOSE
    blocking = [f for f in flags if f.blocking]
    stored = list(resolution.exit_criteria_met) if resolution else []
    met = list(dict.fromkeys([*stored, *(c for c in confirmed if c)]))
    criteria = _offered(exit_criteria, met)
    blocks: list[Block] = [
        SectionBlock(
            text=truncate(
                f"*Close #{incident.number} {escape(incident.title)}*\nThe postmortem is "
                "compiled from what was recorded, stored, and posted here as a file.",
                3000,
            )
        ),
        text_input(
            form,
            ResolutionField.SUMMARY,
            "Resolution summary",
            value=resolution.summary if resolution else None,
            optional=False,
            multiline=True,
            max_length=LONG_TEXT_MAX,
            placeholder="What fixed it, and how we know it is fixed.",
        ),
        datetime_input(
            form,
            ResolutionField.MITIGATED_AT,
            "Mitigated at",
            value=(resolution.mitigated_at if resolution else None) or incident.mitigated_at,
            hint="When users stopped being affected. Left empty, the close time is used.",
        ),
    ]
    if criteria:
        opts = options([(c[:150], c) for c in criteria])
        ticked = [o for o in opts if o.value in met]
        blocks.append(
            InputBlock(
                block_id=block_id(form, ResolutionField.EXIT_CRITERIA_MET),
                label="Exit criteria met (from the runbook)",
                optional=True,
                element=CheckboxesElement(
                    action_id=ResolutionField.EXIT_CRITERIA_MET,
                    options=opts,
                    initial_options=ticked or None,
                ),
            )
        )
    offered = {c[:150] for c in criteria}
    others = [c for c in met if c[:150] not in offered]
    blocks.append(
        text_input(
            form,
            ActionId.EXIT_CRITERIA_OTHER,
            "Other exit criteria met (one per line)",
            value="\n".join(others) or None,
            multiline=True,
            max_length=LONG_TEXT_MAX,
            placeholder="e.g. Escalation rate back to baseline for 48 h",
        )
    )
    blocks.append(DividerBlock())
    if flags:
        blocks.append(
            SectionBlock(
                text=f"*Review flags open: {len(flags)}* ({len(blocking)} blocking). They are "
                "printed in the postmortem."
            )
        )
        blocks += flag_sections(flags)
    else:
        blocks.append(SectionBlock(text=":white_check_mark: No review flag is open."))
    if blocking:
        blocks.append(
            InputBlock(
                block_id=block_id(form, ActionId.CLOSE_ANYWAY),
                label="Close anyway?",
                optional=True,
                hint="Recorded in the postmortem: who closed with which blocking flags, and why.",
                element=CheckboxesElement(
                    action_id=ActionId.CLOSE_ANYWAY,
                    options=options([(CLOSE_ANYWAY, "Close anyway, with the blocking flags open")]),
                ),
            )
        )
        blocks.append(
            text_input(
                form,
                ActionId.CLOSE_REASON,
                "Why close anyway?",
                multiline=True,
                max_length=LONG_TEXT_MAX,
            )
        )
    started = analysis.draft().regression_started_at()
    return View(
        type="modal",
        callback_id=CallbackId.CLOSE_MODAL,
        title="Close incident",
        submit="Close incident",
        close="Cancel",
        private_metadata=CloseState(
            incident_number=incident.number,
            channel_id=incident.channel_id,
            regression_started_at=started,
            blocking=[f.code for f in blocking],
        ).encode(),
        blocks=blocks,
    )


def read(values: Mapping[str, Any]) -> dict[str, object]:
    form = PostmortemForm.CLOSE
    others = (text_of(values, form, ActionId.EXIT_CRITERIA_OTHER) or "").splitlines()
    return dict(
        summary=text_of(values, form, ResolutionField.SUMMARY),
        mitigated_at=value_of(values, form, ResolutionField.MITIGATED_AT),
        exit_criteria_met=[
            *list_of(values, form, ResolutionField.EXIT_CRITERIA_MET),
            *(line.strip() for line in others if line.strip()),
        ],
    )


def refusal(values: Mapping[str, Any], state: CloseState) -> FieldErrors:
    """A refusal when blocking flags were open as the form was opened and "close anyway" is
    not ticked (the core refuses such a close too; this says it inside the modal)."""
    anyway = CLOSE_ANYWAY in list_of(values, PostmortemForm.CLOSE, ActionId.CLOSE_ANYWAY)
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
