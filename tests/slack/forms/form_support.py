"""Fill a built modal as a person would, and compare built views with their golden JSON.

`fill` derives Slack's `view.state.values` from the view itself (the sandbox's view-state
rules), so a value the element could not hold (an option that is not offered) fails the test
the way Slack's client would refuse it. `matches_golden` compares the view's JSON exactly with
tests/slack/forms/golden/<name>.json (after checking Slack would accept it); UPDATE_GOLDEN=1
rewrites the file instead.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk.models.views import View

from bot.core.incidents.model import Category, HowDetected, Incident, Severity
from bot.slack.payloads import view_values
from slack_sandbox.validation import validate_view
from slack_sandbox.view_state import (
    SubmissionBlocked,
    check_submittable,
    initial_state,
    slots,
    state_for,
)

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2024, 5, 14, 12, 0, tzinfo=UTC)


def submitted(view: View, typed: dict[str, Any] | None = None) -> dict[str, Any]:
    """The view as Slack submits it: untouched inputs keep their initial value, and each
    `{block_id: value}` in `typed` is what the person typed or picked there."""
    typed = dict(typed or {})
    payload = view.to_dict()
    values: dict[str, dict[str, Any]] = {}
    for slot in slots(payload["blocks"]):
        state = (
            state_for(slot, typed.pop(slot.block_id))
            if slot.block_id in typed
            else initial_state(slot.element)
        )
        values.setdefault(slot.block_id, {})[slot.action_id] = state
    assert not typed, f"the view has no input {sorted(typed)}"
    return {**payload, "id": "V_FORM", "state": {"values": values}}


def fill(view: View, typed: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the middleware hands a listener: the submitted view's flat `{block_id: value}`."""
    return view_values(submitted(view, typed))


def slack_refuses(view: View, block_id: str, value: Any) -> bool:
    """Slack's client would not send the form with `value` in that input (too long, say)."""
    [slot] = [s for s in slots(view.to_dict()["blocks"]) if s.block_id == block_id]
    try:
        check_submittable(slot, state_for(slot, value))
    except SubmissionBlocked:
        return True
    return False


def matches_golden(name: str, view: View) -> bool:
    """The view is one Slack accepts, and exactly its golden JSON."""
    validate_view(view.to_dict(), expected_type="modal")
    path = GOLDEN / f"{name}.json"
    built = json.dumps(view.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(built, encoding="utf-8")
    return path.read_text(encoding="utf-8") == built


def incident(**overrides: Any) -> Incident:
    values: dict[str, Any] = {
        "number": 7,
        "title": "Refusals on chest-pain queries",
        "severity": Severity.S2,
        "category": Category.SILENT_DRIFT,
        "how_detected": HowDetected.DASHBOARD_ALERT,
        "channel_id": "C_INC7",
        "declared_at": datetime(2024, 5, 13, 9, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return Incident(**values)
