"""Modals that only say something: one opened at once while the real one loads, or why a
form can't open.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.slack.messages.format import truncate


def loading_modal(title: str) -> View:
    """Opened at once with a trigger_id, then replaced once the data is loaded."""
    return View(
        type="modal",
        title=truncate(title, 24),
        close="Close",
        blocks=[SectionBlock(text=":hourglass_flowing_sand: Loading…")],
    )


def message_modal(title: str, text: str) -> View:
    """A modal that only says something, e.g. why the form it stands in for can't open."""
    return View(
        type="modal",
        title=truncate(title, 24),
        close="Close",
        blocks=[SectionBlock(text=truncate(text, 3000))],
    )
