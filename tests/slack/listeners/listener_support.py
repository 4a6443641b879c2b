"""Call a Slack handler as Bolt would: a mock ack, a context carrying fake services, and a
submitted view filled the way a person fills it (the sandbox's view-state rules).

`Recorder` notes the order of the calls a test cares about, so a test can show the ack came
before any work."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from unittest.mock import AsyncMock, MagicMock

from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.views import View

from bot.core.incidents.model import Category, HowDetected, Incident, Severity
from bot.slack.payloads import view_values
from slack_sandbox.view_state import initial_state, slots, state_for

NOW = datetime(2024, 5, 14, 12, 0, tzinfo=UTC)
USER = {"id": "U_ANA"}


class Recorder:
    """Named async mocks whose awaits land, in order, in `calls`."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def mock(self, name: str, result: Any = None) -> AsyncMock:
        async def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return result

        return AsyncMock(side_effect=record)


def fake_deps(recorder: Recorder) -> MagicMock:
    deps = MagicMock()
    deps.clock.now.return_value = NOW
    deps.records.record_detection = recorder.mock("record_detection")
    deps.action_items.take_action = recorder.mock("take_action")
    deps.postmortems.close = recorder.mock("close")
    deps.incidents.post_update = recorder.mock("post_update")
    deps.phases.toggle = recorder.mock("toggle")
    deps.phases.pull_lever = recorder.mock("pull_lever")
    deps.changes.record = recorder.mock("record_change")
    return deps


def submitted(view: View, typed: dict[str, Any] | None = None) -> dict[str, Any]:
    """The view as Slack submits it, with `typed` ({block_id: value}) entered by the person."""
    typed = dict(typed or {})
    payload = view.to_dict()
    values: dict[str, dict[str, Any]] = {}
    for slot in slots(payload["blocks"]):
        entered = slot.block_id in typed
        state = (
            state_for(slot, typed.pop(slot.block_id)) if entered else initial_state(slot.element)
        )
        values.setdefault(slot.block_id, {})[slot.action_id] = state
    assert not typed, f"the view has no input {sorted(typed)}"
    return {**payload, "id": "V_SUBMITTED", "state": {"values": values}}


def context_for(deps: MagicMock, view: dict[str, Any] | None = None) -> AsyncBoltContext:
    """What bot.slack.middleware puts on the context before a handler runs."""
    context = AsyncBoltContext({"deps": deps})
    if view is not None:
        context["values"] = view_values(view)
        metadata = view.get("private_metadata")
        context["metadata"] = json.loads(metadata) if metadata else {}
    return context


def an_incident() -> Incident:
    return Incident(
        number=7,
        title="Refusals on chest-pain queries",
        severity=Severity.S2,
        category=Category.SILENT_DRIFT,
        how_detected=HowDetected.DASHBOARD_ALERT,
        channel_id="C_INC7",
        declared_at=datetime(2024, 5, 13, 9, 0, tzinfo=UTC),
    )


def answer(ack: AsyncMock) -> dict[str, Any]:
    """What the handler acknowledged with (its keyword arguments)."""
    assert ack.await_args is not None, "the handler did not acknowledge"
    return dict(ack.await_args.kwargs)
