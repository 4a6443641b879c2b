"""The close form, the postmortem preview, and a modal that only says something.

The close form lists the review flags still open. When one of them blocks (no root-cause axis,
an axis without evidence, no eval-set item) the form asks for an explicit "close anyway",
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
from bot.core.postmortem.formatting import duration
from bot.core.postmortem.reader import Analysis, PostmortemDocument
from bot.slack.forms.fields import (
    CloseState,
    block_id,
    context_block,
    datetime_input,
    list_of,
    text_input,
    text_of,
    value_of,
)
from bot.slack.ids import (
    SLASH_COMMAND,
    ActionId,
    CallbackId,
    PostmortemForm,
    ResolutionField,
)
from bot.slack.messages.format import options, slack_date, truncate
from bot.slack.messages.mrkdwn import escape

CLOSE_ANYWAY = "close_anyway"
MAX_FLAGS_SHOWN = 12

# Where each flag is fixed: the first part of its `where`, mapped to the command that opens
# the form for it.
_FIXED_WITH = {
    "detection": "detection",
    "scope": "scope",
    "root_cause": "rootcause",
    "action_items": "actions",
    "incident": "update",
    "resolution": "close",
}


def fix_command(flag: Flag) -> str | None:
    sub = _FIXED_WITH.get(flag.where.split(".", 1)[0])
    return f"`{SLASH_COMMAND} {sub}`" if sub else None


def flag_line(flag: Flag) -> str:
    mark = ":no_entry: *Blocking* · " if flag.blocking else ":small_orange_diamond: "
    fix = fix_command(flag)
    return f"{mark}*{escape(flag.title)}* — {escape(flag.detail)}" + (f" → {fix}" if fix else "")


def _flag_sections(flags: Sequence[Flag]) -> list[Block]:
    """The flags as sections of at most 3,000 characters each."""
    sections: list[Block] = []
    chunk = ""
    for flag in flags[:MAX_FLAGS_SHOWN]:
        line = truncate(flag_line(flag), 1000)
        if chunk and len(chunk) + len(line) + 1 > 3000:
            sections.append(SectionBlock(text=chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        sections.append(SectionBlock(text=chunk))
    if len(flags) > MAX_FLAGS_SHOWN:
        sections.append(context_block(f"…and {len(flags) - MAX_FLAGS_SHOWN} more flags."))
    return sections


def build(analysis: Analysis, flags: Sequence[Flag], *, exit_criteria: Sequence[str]) -> View:
    incident, resolution = analysis.incident, analysis.resolution
    assert incident.number is not None and incident.channel_id is not None
    form = PostmortemForm.CLOSE
    blocking = [f for f in flags if f.blocking]
    criteria = list(dict.fromkeys(c for c in exit_criteria if c))[:10]
    met = list(resolution.exit_criteria_met) if resolution else []
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
        blocks += _flag_sections(flags)
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


def preview_text(document: PostmortemDocument) -> str:
    incident, postmortem = document.incident, document.postmortem
    flags = postmortem.flags
    blocking = [f for f in flags if f.blocking]
    kind = "Postmortem" if document.stored else "Postmortem draft"
    return (
        f"{kind} of #{incident.number}: {len(flags)} review flag(s) open, {len(blocking)} blocking."
    )


def preview_blocks(document: PostmortemDocument) -> list[Block]:
    """`/ai-incident postmortem`: where the postmortem stands, and its open review flags."""
    incident, postmortem = document.incident, document.postmortem
    data = postmortem.data
    times = data["times"]
    flags = postmortem.flags
    blocking = [f for f in flags if f.blocking]
    scope_rows = len(data["scope"]["rows"])
    axes = ", ".join(
        a["label"] + (" (first)" if a["first"] else "") for a in data["root_cause"]["axes"]
    )
    items = data["action_items"]
    evals = [i for i in items if i["category"] == "eval_set" and i["status"] != "dropped"]
    if document.stored:
        heading = (
            f"*Postmortem of #{incident.number}* — compiled at close "
            f"({slack_date(postmortem.compiled_at)})."
        )
    else:
        heading = (
            f"*Postmortem draft of #{incident.number}* — as it would be compiled now. "
            "Closing compiles it from the same records."
        )
    status = "\n".join(
        [
            f"• Detection: {'recorded' if data['detection']['recorded'] else '_not recorded_'}"
            f" · time-to-detect {duration(times['time_to_detect']['seconds'])}",
            f"• Scope: {scope_rows} slice row(s)",
            f"• Root cause: {axes or '_not recorded_'}",
            f"• Action items: {len(items)} ({len(evals)} on the eval set)",
        ]
    )
    blocks: list[Block] = [
        SectionBlock(text=truncate(f"{heading}\n{status}", 3000)),
        DividerBlock(),
    ]
    if flags:
        blocks.append(
            SectionBlock(
                text=f"*Review flags: {len(flags)}* ({len(blocking)} blocking"
                + (" — closing needs an explicit “close anyway”" if blocking else "")
                + ")"
            )
        )
        blocks += _flag_sections(flags)
    else:
        blocks.append(SectionBlock(text=":white_check_mark: No review flag is open."))
    if postmortem.template_problem:
        blocks.append(
            context_block(
                ":warning: The team's template failed; the built-in one was used: "
                + escape(postmortem.template_problem)
            )
        )
    blocks.append(
        context_block(
            f"The whole document: `ai-incident postmortem {incident.number}` or "
            f"GET /api/v1/incidents/{incident.number}/postmortem.md"
        )
    )
    return blocks


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
