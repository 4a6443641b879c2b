"""Slack listeners, one package per feature: parse the payload, ack, call the core.

Each module's `register(app, deps)` only wires its module-level handlers, so a test can call a
handler directly with a mock `ack`.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.slack.listeners import home, slash_command
from bot.slack.listeners.cases import actions as case_actions
from bot.slack.listeners.cases import shortcuts as case_shortcuts
from bot.slack.listeners.cases import views as case_views
from bot.slack.listeners.changes import interactions as change_interactions
from bot.slack.listeners.incidents import actions as incident_actions
from bot.slack.listeners.incidents import events as incident_events
from bot.slack.listeners.incidents import shortcuts as incident_shortcuts
from bot.slack.listeners.incidents import views as incident_views
from bot.slack.listeners.postmortem import actions as postmortem_actions
from bot.slack.listeners.postmortem import views as postmortem_views
from bot.slack.listeners.runbooks import actions as runbook_actions
from bot.slack.listeners.runbooks import views as runbook_views

MODULES = (
    slash_command,
    incident_views,
    incident_actions,
    incident_events,
    incident_shortcuts,
    runbook_actions,
    runbook_views,
    change_interactions,
    home,
    postmortem_actions,
    postmortem_views,
    case_shortcuts,
    case_actions,
    case_views,
)


def register(app: AsyncApp, deps: Deps) -> None:
    for module in MODULES:
        module.register(app, deps)
