"""`/ai-incident <subcommand>`: parse, ack, hand to the feature's handler.

The subcommand table below is the single source of the help text; a test checks that the
manifest's usage hint names the same subcommands.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.slack.guard import guarded
from bot.slack.ids import SLASH_COMMAND
from bot.slack.listeners.cases import commands as cases
from bot.slack.listeners.changes import commands as changes
from bot.slack.listeners.command_registry import Invocation, Subcommand
from bot.slack.listeners.incidents import commands as incidents
from bot.slack.listeners.postmortem import commands as postmortem
from bot.slack.listeners.runbooks import commands as runbooks
from bot.slack.middleware import deps_of

SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand(
        "open",
        "open [title]",
        "declare an AI incident (opens the declare form)",
        incidents.open_declare_form,
    ),
    Subcommand("list", "list", "open incidents", incidents.list_open),
    Subcommand("status", "status", "the incident card (in an incident channel)", incidents.status),
    Subcommand("log", "log <text>", "add a note to the timeline", incidents.log),
    Subcommand(
        "role",
        "role <commander|comms|scribe> @user",
        "give someone a role",
        incidents.role,
    ),
    Subcommand("severity", "severity <S1|S2|S3>", "change the severity", incidents.severity),
    Subcommand(
        "update", "update [text]", "post a stakeholder update (no text: a form)", incidents.update
    ),
    Subcommand(
        "phase",
        "phase [next|triage|scope|mitigate|post-incident]",
        "where the runbook stands; move to the next or a named phase",
        runbooks.phase,
    ),
    Subcommand(
        "runbook", "runbook [name]", "list runbooks, or switch this incident's", runbooks.runbook
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
        "case",
        "case",
        "capture a regression case: the failing input, what was expected, the versions involved",
        cases.case,
    ),
    Subcommand(
        "cases",
        "cases",
        "the incident's regression cases and their last gate verdict, with Edit and Remove",
        cases.cases,
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
        "shortcut *Add to incident timeline*) to put it on the timeline; the shortcut *Add as "
        "regression case* makes a message a regression case."
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


async def on_command(
    ack: AsyncAck,
    command: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    context: AsyncBoltContext,
) -> None:
    deps = deps_of(context)
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


def register(app: AsyncApp, deps: Deps) -> None:
    app.command(SLASH_COMMAND)(guarded(on_command))
