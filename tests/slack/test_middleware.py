"""The middleware: services on every request; a submission's view state parsed once."""

from __future__ import annotations

from typing import Any
from unittest.mock import AsyncMock, MagicMock

from slack_bolt.context.async_context import AsyncBoltContext

from bot.slack.middleware import deps_of, provide


async def test_a_submission_reaches_its_handler_as_flat_values_and_decoded_metadata() -> None:
    deps = MagicMock()
    view: dict[str, Any] = {
        "private_metadata": '{"incident_number": 7, "channel_id": "C_INC7"}',
        "state": {
            "values": {
                "detection.how": {
                    "how": {"type": "static_select", "selected_option": {"value": "user_report"}}
                },
                "detection.signal": {"signal": {"type": "plain_text_input", "value": " drift "}},
            }
        },
    }
    context = AsyncBoltContext()
    next_ = AsyncMock()

    await provide(deps)({"type": "view_submission", "view": view}, context, next_)

    next_.assert_awaited_once()
    assert deps_of(context) is deps
    assert context["values"] == {"detection.how": "user_report", "detection.signal": "drift"}
    assert context["metadata"] == {"incident_number": 7, "channel_id": "C_INC7"}


async def test_a_command_gets_the_services_and_no_view_state() -> None:
    context = AsyncBoltContext()

    await provide(MagicMock())({"command": "/ai-incident"}, context, AsyncMock())

    assert "deps" in context and "values" not in context
