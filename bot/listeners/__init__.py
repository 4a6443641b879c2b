"""Slack listeners: thin. Parse the payload into typed input, ack, call the core."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.listeners import actions, changes, commands, events, shortcuts, views
from bot.listeners.actions import phases as phase_actions
from bot.listeners.actions import postmortem as postmortem_actions
from bot.listeners.views import phases as phase_views
from bot.listeners.views import postmortem as postmortem_views


def register(app: AsyncApp, deps: Deps) -> None:
    for kind in (commands, views, actions, events, shortcuts):
        kind.register(app, deps)
    for feature in (phase_actions, phase_views, changes, postmortem_actions, postmortem_views):
        feature.register(app, deps)
