"""The change modal's handler, called directly."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import AsyncMock

from bot.slack.forms import change
from bot.slack.listeners.changes import interactions
from tests.slack.listeners.listener_support import (
    NOW,
    USER,
    Recorder,
    an_incident,
    answer,
    context_for,
    fake_deps,
    submitted,
)


async def test_a_change_in_the_future_is_answered_inside_the_modal() -> None:
    recorder = Recorder()
    deps = fake_deps(recorder)
    view = submitted(
        change.build(incident=an_incident(), origin_channel_id="C_INC7", now=NOW),
        {
            "change_kind": "prompt",
            "change_note": "citation rule dropped",
            "change_occurred_at": datetime(2024, 5, 15, tzinfo=UTC),
        },
    )
    ack = AsyncMock()

    await interactions.on_change_submitted(
        ack, {"user": USER}, view, AsyncMock(), context_for(deps, view)
    )

    assert set(answer(ack)["errors"]) == {"change_occurred_at"}
    assert recorder.calls == []
