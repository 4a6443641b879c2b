"""`/ai-incident <subcommand>`: parse, ack, hand to the core.

The subcommand table below is the single source of the help text; a test checks that the
manifest's usage hint names the same subcommands.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.card import card_blocks, card_text
from bot.blocks.modals import declare_modal, update_modal
from bot.core.errors import InvalidInput
from bot.core.incident import Role, Severity
from bot.deps import Deps
from bot.ids import SLASH_COMMAND
from bot.listeners.commands import changes, phases, postmortem
from bot.listeners.commands.registry import Invocation, Subcommand
from bot.listeners.guard import guarded
from bot.listeners.payloads import user_mentions
from bot.timeboxes import timebox_lookup


async def _open(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    # The trigger_id dies 3 s after the click: open the modal before any database or other work.
    await client.views_open(
        trigger_id=inv.trigger_id,
        view=declare_modal(
            title=inv.args, origin_channel_id=inv.channel_id, runbooks=deps.runbooks.options()
        ),
    )


async def _list(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    incidents = await deps.incidents.list_open()
    if not incidents:
        await respond(text="No open incidents. Declare one with `/ai-incident open <title>`.")
        return
    lines = [
        f"• *#{i.number}* {i.title} — {i.severity.value}, {i.phase}"
        + (f" — <#{i.channel_id}>" if i.channel_id else "")
        for i in incidents[:50]
    ]
    more = f"\n…and {len(incidents) - 50} more." if len(incidents) > 50 else ""
    await respond(text=f"*Open incidents ({len(incidents)})*\n" + "\n".join(lines) + more)


async def _status(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    incident = await deps.incidents.for_channel(inv.channel_id)
    await respond(
        text=card_text(incident),
        blocks=card_blocks(
            incident, now=deps.clock.now(), timebox_minutes=timebox_lookup(deps.runbooks)(incident)
        ),
    )


async def _log(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    incident = await deps.incidents.add_note(
        channel_id=inv.channel_id, actor=inv.user_id, text=inv.args
    )
    await respond(text=f":memo: Added to the timeline of #{incident.number}.")


async def _role(inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient) -> None:
    word, _, rest = inv.args.partition(" ")
    try:
        role = Role(word.lower())
    except ValueError:
        raise InvalidInput(
            "role", "choose commander, comms or scribe: `/ai-incident role commander @user`"
        ) from None
    users = user_mentions(rest)
    if len(users) != 1:
        raise InvalidInput("user", "mention exactly one person: `/ai-incident role comms @user`")
    await deps.incidents.assign_role(
        channel_id=inv.channel_id, role=role, user_id=users[0], actor=inv.user_id
    )


async def _severity(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    try:
        severity = Severity(inv.args.strip().upper())
    except ValueError:
        raise InvalidInput("severity", "choose S1, S2 or S3: `/ai-incident severity S1`") from None
    incident = await deps.incidents.set_severity(
        channel_id=inv.channel_id, severity=severity, actor=inv.user_id
    )
    await respond(text=f"Severity of #{incident.number} is {incident.severity.value}.")


async def _update(
    inv: Invocation, deps: Deps, respond: AsyncRespond, client: AsyncWebClient
) -> None:
    if inv.args.strip():
        await deps.incidents.post_update(
            channel_id=inv.channel_id, text=inv.args, actor=inv.user_id
        )
        return
    # No text: the update modal. The lookup is one indexed read, well inside the trigger's 3 s.
    incident = await deps.incidents.for_channel(inv.channel_id)
    await client.views_open(trigger_id=inv.trigger_id, view=update_modal(incident))


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("open", "open [title]", "declare an AI incident (opens the declare form)", _open),
    Subcommand("list", "list", "open incidents", _list),
    Subcommand("status", "status", "the incident card (in an incident channel)", _status),
    Subcommand("log", "log <text>", "add a note to the timeline", _log),
    Subcommand(
        "role",
        "role <commander|comms|scribe> @user",
        "give someone a role",
        _role,
    ),
    Subcommand("severity", "severity <S1|S2|S3>", "change the severity", _severity),
    Subcommand("update", "update [text]", "post a stakeholder update (no text: a form)", _update),
    Subcommand(
        "phase",
        "phase [next|triage|scope|mitigate|post-incident]",
        "where the runbook stands; move to the next or a named phase",
        phases.phase,
    ),
    Subcommand(
        "runbook", "runbook [name]", "list runbooks, or switch this incident's", phases.runbook
    ),
    Subcommand(
        "change",
        "change",
        "record a control-plane change (model, prompt, index, ...) on the timeline",
        changes.change,
    ),
    Subcommand(
        "changes",
        "changes [days]",
        "what changed before the regression: the change ledger's digest (default 7 days)",
        changes.changes,
    ),
    Subcommand(
        "detection",
        "detection",
        "how we learned, which signal, what we missed (time-to-detect is computed)",
        postmortem.detection,
    ),
    Subcommand(
        "scope",
        "scope",
        "the per-slice scorecard: add, edit and remove slice rows",
        postmortem.scope,
    ),
    Subcommand(
        "rootcause",
        "rootcause",
        "which axes moved (model, prompt, judge, data, environment), which first, the evidence",
        postmortem.rootcause,
    ),
    Subcommand(
        "action",
        "action [text]",
        "add an action item: code, eval set, gate or threshold, calibration",
        postmortem.action,
    ),
    Subcommand(
        "actions", "actions", "the action items, with Done, Take it and Assign", postmortem.actions
    ),
    Subcommand(
        "close",
        "close",
        "resolve the incident: the postmortem is compiled and posted here",
        postmortem.close,
    ),
    Subcommand(
        "postmortem",
        "postmortem",
        "the postmortem as it stands, with its review flags",
        postmortem.postmortem,
    ),
    Subcommand("help", "help", "this help", None),
)
BY_NAME = {s.name: s for s in SUBCOMMANDS}


def help_text() -> str:
    lines = [f"• `{SLASH_COMMAND} {s.usage}` — {s.summary}" for s in SUBCOMMANDS]
    return (
        "*ai-incident* runs AI-quality incidents: triage → scope → mitigate → post-incident.\n"
        + "\n".join(lines)
        + "\nReact with :pushpin: to a message in an incident channel (or use the message "
        "shortcut *Add to incident timeline*) to put it on the timeline."
    )


def parse(command: dict[str, Any]) -> Invocation:
    text = (command.get("text") or "").strip()
    name, _, args = text.partition(" ")
    return Invocation(
        name=name.lower() or "help",
        args=args.strip(),
        user_id=command["user_id"],
        channel_id=command["channel_id"],
        trigger_id=command.get("trigger_id", ""),
    )


def register(app: AsyncApp, deps: Deps) -> None:
    async def on_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        inv = parse(command)
        sub = BY_NAME.get(inv.name)
        if sub is None:
            await ack(
                response_type="ephemeral",
                text=f"I don't know `{inv.name}`.\n{help_text()}",
            )
            return
        if sub.handler is None:
            await ack(response_type="ephemeral", text=help_text())
            return
        await ack()
        await sub.handler(inv, deps, respond, client)

    app.command(SLASH_COMMAND)(guarded(on_command))
