"""`/ai-incident`, called directly: an unknown subcommand is answered in the ack itself."""

from __future__ import annotations

from unittest.mock import AsyncMock

from bot.slack.listeners import slash_command
from tests.slack.listeners.listener_support import Recorder, answer, context_for, fake_deps


async def test_an_unknown_subcommand_is_answered_with_the_help_in_the_ack() -> None:
    deps = fake_deps(Recorder())
    command = {"text": "frobnicate", "user_id": "U_ANA", "channel_id": "C_X", "trigger_id": "T"}
    ack = AsyncMock()

    await slash_command.on_command(ack, command, AsyncMock(), AsyncMock(), context_for(deps))

    text = answer(ack)["text"]
    assert text.startswith("I don't know `frobnicate`.") and "/ai-incident open" in text
