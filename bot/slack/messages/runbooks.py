"""The phase checklist message: one checkbox per item, exit criteria, levers, "Next phase".

Item texts run up to 200 characters and checkbox labels only to 75, so each entry is its own
section with the text (and hint) and a one-option checkbox beside it.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.core.runbooks.model import ChecklistItem, ExitCriterion
from bot.core.runbooks.notices import LeverPulled
from bot.core.runbooks.service import ChecklistView
from bot.slack.ids import ActionId
from bot.slack.messages.format import duration, slack_date, truncate
from bot.slack.messages.mrkdwn import escape
from bot.slack.payloads import MalformedPayload

ENTRY_BLOCK_PREFIX = "entry"
LEVER_BLOCK_PREFIX = "lever"


def entry_block_id(phase: str, entry_id: str) -> str:
    return f"{ENTRY_BLOCK_PREFIX}|{phase}|{entry_id}"


def parse_entry_block_id(block_id: str) -> tuple[str, str]:
    """(phase, entry id) from what `entry_block_id` wrote; MalformedPayload else."""
    prefix, phase, entry_id = (*block_id.split("|", 2), "", "")[:3]
    if prefix != ENTRY_BLOCK_PREFIX or not phase or not entry_id:
        raise MalformedPayload(f"{block_id[:40]!r} is no checklist entry of this bot")
    return phase, entry_id


def lever_block_id(phase: str) -> str:
    return f"{LEVER_BLOCK_PREFIX}|{phase}"


def parse_lever_block_id(block_id: str) -> str:
    """The phase from what `lever_block_id` wrote; MalformedPayload else."""
    prefix, _, phase = block_id.partition("|")
    if prefix != LEVER_BLOCK_PREFIX or not phase:
        raise MalformedPayload(f"{block_id[:40]!r} is no lever choice of this bot")
    return phase


def advance_anyway_value(incident_number: int, target: str) -> str:
    return f"{incident_number}|{target}"


def parse_advance_anyway_value(value: object) -> str:
    """The phase an "Advance anyway" button advances to; MalformedPayload else."""
    number, _, target = str(value).partition("|")
    if not isinstance(value, str) or not number or not target:
        raise MalformedPayload(f"{str(value)[:40]!r} is no advance-anyway button of this bot")
    return target


def checklist_text(view: ChecklistView) -> str:
    return f"#{view.incident.number} {view.phase.title}: {len(view.open_required)} required open"


def checklist_blocks(view: ChecklistView) -> list[Block]:
    phase, run = view.phase, view.run
    position = view.runbook.phase_names.index(phase.name) + 1
    blocks: list[Block] = [
        HeaderBlock(
            text=truncate(f"Phase {position}/{len(view.runbook.phases)} · {phase.title}", 150)
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=truncate(
                        f"Runbook *{view.runbook.title}* · timebox "
                        f"{duration(phase.timebox_minutes * 60)} · started "
                        f"{slack_date(run.started_at)}"
                        + (f" · ended {slack_date(run.ended_at)}" if run.ended_at else ""),
                        3000,
                    )
                )
            ]
        ),
    ]
    if phase.goal:
        blocks.append(SectionBlock(text=truncate(f"_{phase.goal}_", 3000)))
    for item in phase.checklist:
        blocks.append(_entry_section(view, item.id, _item_text(item), "Done"))
    if phase.exit_criteria:
        blocks.append(DividerBlock())
        blocks.append(
            SectionBlock(text="*Exit criteria* — confirm each measured signal to mark mitigated")
        )
        for criterion in phase.exit_criteria:
            blocks.append(
                _entry_section(view, criterion.id, _criterion_text(criterion), "Confirmed")
            )
    controls: list[InteractiveElement] = []
    if view.is_current and phase.levers:
        controls.append(
            StaticSelectElement(
                action_id=ActionId.LEVER_CHOOSE,
                placeholder="Pull a stabilization lever…",
                options=[Option(value=lever.id, text=lever.title) for lever in phase.levers],
            )
        )
    if view.is_current and view.runbook.next_phase(phase.name) is not None:
        controls.append(
            ButtonElement(
                text="Next phase",
                action_id=ActionId.PHASE_NEXT,
                value=str(view.incident.number),
                style="primary",
            )
        )
    if controls:
        blocks.append(ActionsBlock(block_id=lever_block_id(phase.name), elements=controls))
    required = phase.required_items
    done = len(required) - len(view.open_required)
    status = "current phase" if view.is_current else "phase ended"
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text=f"{done} of {len(required)} required items done · {status}")
            ]
        )
    )
    return blocks


def _item_text(item: ChecklistItem) -> str:
    text = f"*{item.text}*" + ("" if item.required else " _(optional)_")
    return text + (f"\n_{item.hint}_" if item.hint else "")


def _criterion_text(criterion: ExitCriterion) -> str:
    return f"*{criterion.signal}*\n_{criterion.description}_"


def _entry_section(view: ChecklistView, entry_id: str, text: str, label: str) -> SectionBlock:
    state = view.entries.get(entry_id)
    done = state is not None and state.done
    mark = ":white_check_mark:" if done else ":white_large_square:"
    who = f"\n{label} by <@{state.by}> {slack_date(state.at)}" if state and done else ""
    option = Option(value=entry_id, text=label)
    accessory = (
        CheckboxesElement(
            action_id=ActionId.CHECKLIST_TOGGLE,
            options=[option],
            initial_options=[option] if done else None,
        )
        if view.is_current
        else None
    )
    return SectionBlock(
        block_id=entry_block_id(view.phase.name, entry_id),
        text=truncate(f"{mark} {text}{who}", 3000),
        accessory=accessory,
    )


def advance_refused_blocks(
    *, incident_number: int, phase_title: str, target: str, open_items: list[ChecklistItem]
) -> list[Block]:
    listing = "\n".join(f"• {item.text}" for item in open_items[:20])
    return [
        SectionBlock(
            text=truncate(
                f":no_entry: {phase_title} still has {len(open_items)} required item(s) open:\n"
                f"{listing}",
                3000,
            )
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Advance anyway",
                    action_id=ActionId.PHASE_ADVANCE_ANYWAY,
                    value=advance_anyway_value(incident_number, target),
                    style="danger",
                )
            ]
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Advancing anyway is recorded on the timeline with your name."
                )
            ]
        ),
    ]


def lever_pulled_text(notice: LeverPulled) -> str:
    return (
        f":construction: *{notice.lever_title}* (authorized by <@{notice.authorized_by}>)\n"
        f"Trade-off: {escape(notice.trade_off)}"
    )
