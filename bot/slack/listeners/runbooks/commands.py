"""`/ai-incident phase ...` and `/ai-incident runbook ...`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.runbooks.service import AdvanceOutcome
from bot.deps import Deps
from bot.slack.listeners.command_registry import Invocation
from bot.slack.messages.runbooks import advance_refused_blocks


async def phase(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    word = inv.args.strip().lower()
    if not word:
        view = await deps.phases.checklist(inv.channel_id)
        names = " → ".join(
            f"*{p.name}*" if p.name == view.phase.name else p.name for p in view.runbook.phases
        )
        await respond(
            text=f"Runbook *{view.runbook.title}*: {names}. "
            f"{len(view.open_required)} required item(s) open in {view.phase.title}. "
            "`/ai-incident phase next` moves on."
        )
        return
    outcome = await deps.phases.advance(
        channel_id=inv.channel_id,
        target=None if word == "next" else word,
        actor=inv.user_id,
    )
    await answer_advance(outcome, deps=deps, channel_id=inv.channel_id, respond=respond)


async def answer_advance(
    outcome: AdvanceOutcome, *, deps: Deps, channel_id: str, respond: AsyncRespond
) -> None:
    """A refused advance lists the open required items, with "Advance anyway"."""
    if outcome.advanced:
        return
    view = await deps.phases.checklist(channel_id)
    await respond(
        response_type="ephemeral",
        replace_original=False,
        text=f"{view.phase.title} still has required items open.",
        blocks=advance_refused_blocks(
            incident_number=view.incident.number or 0,
            phase_title=view.phase.title,
            target=outcome.target,
            open_items=outcome.open_items,
        ),
    )


async def runbook(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    name = inv.args.strip().lower()
    if not name:
        lines = [f"• `{n}` — {title}" for n, title in deps.runbooks.options()]
        await respond(
            text="Runbooks (switch with `/ai-incident runbook <name>`):\n" + "\n".join(lines)
        )
        return
    chosen = await deps.phases.switch_runbook(
        channel_id=inv.channel_id, name=name, actor=inv.user_id
    )
    await respond(text=f"This incident now follows *{chosen.title}*.")
