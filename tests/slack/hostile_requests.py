"""Requests shaped like Slack's, signed as Slack signs them, with one part made hostile.

Shared by the fuzz test (tests/slack/test_fuzz_slack.py, driven by hypothesis) and the bench
(bench/fuzz_requests.py, driven by a seeded random): each starts from a request Slack could
send about a real incident — every slash subcommand, a click on every action id, a submission
of every modal, the shortcut, the events — and replaces one value anywhere in it (or drops it)
with something Slack never sends: a wrong type, a huge number or string, a date past the
calendar, deep nesting. That includes the values the bot itself wrote into buttons, selects
and modal metadata, which Slack hands back unchanged: a forged one must be refused as such.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bot.demo.rehearsal import Rehearsal
from bot.slack.forms.change import ChangeState
from bot.slack.forms.fields import (
    ActionItemState,
    AnalysisState,
    CloseState,
    DoneState,
    SliceState,
)
from bot.slack.forms.state import (
    DeclareState,
    IncidentState,
    LeverState,
    ModalState,
    PinMessageState,
)
from bot.slack.ids import SLASH_COMMAND, ActionId, CallbackId

JsonDict = dict[str, Any]
Path = tuple[str | int, ...]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
DROP = object()

SUBCOMMANDS = ["", "help", "open x", "list", "status", "update", "log did a thing", "change",
               "close", "postmortem", "lever", "phase", "nonsense", "log", "open"]  # fmt: skip

# Values Slack never sends where it sends anything: fixed ones first (the bench's and
# hypothesis' common ground), each a known way into a 500 somewhere.
HOSTILE_VALUES: list[Any] = [
    None, True, 0, -1, 2**31, 2**63, 10**30, -(10**30), 1.5, float("inf"), "", " ", "x",
    "abc", "²", "١٢", "-1", "0", "99999999999999999999999", "1|2", "1:2", ":", "|",
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2025-13-45", "25:61",
    "<!channel>", "x" * 100_000, [], ["x"], [{}], {}, {"id": []}, {"value": {}},
    json.dumps({"incident": "x"}), json.dumps({"incident": 2**70}), "{", "[]",
]  # fmt: skip


@dataclass(frozen=True)
class Scene:
    """An incident that exists, in its channel, and someone in it."""

    incident_number: int
    channel_id: str
    user_id: str
    trigger_id: str
    response_url: str


@dataclass(frozen=True)
class Request:
    surface: str
    kind: str  # "form", "interaction" or "json"
    body: JsonDict

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        if self.kind == "json":
            return json.dumps(self.body).encode(), JSON
        if self.kind == "interaction":
            return urlencode({"payload": json.dumps(_metadata_as_text(self.body))}).encode(), FORM
        return urlencode({k: _form_text(v) for k, v in self.body.items()}).encode(), FORM


def _metadata_as_text(body: JsonDict) -> JsonDict:
    """A modal's metadata is kept decoded (so one field of it can be made hostile) and sent
    as the JSON text Slack echoes."""
    view = body.get("view")
    if isinstance(view, dict) and isinstance(view.get("private_metadata"), dict):
        return {**body, "view": {**view, "private_metadata": json.dumps(view["private_metadata"])}}
    return body


def _form_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def requests_about(scene: Scene) -> list[Request]:
    """One well-formed request per surface: the starting points to make hostile."""
    user = {"id": scene.user_id, "username": "alice", "team_id": "T0SANDBOX"}
    channel = {"id": scene.channel_id, "name": "incident"}
    number = str(scene.incident_number)
    found: list[Request] = [
        Request(
            "slash",
            "form",
            {
                "command": SLASH_COMMAND,
                "text": text,
                "user_id": scene.user_id,
                "channel_id": scene.channel_id,
                "team_id": "T0SANDBOX",
                "trigger_id": scene.trigger_id,
                "response_url": scene.response_url,
            },
        )
        for text in SUBCOMMANDS
    ]
    found += [
        Request(
            "block_actions",
            "interaction",
            {
                "type": "block_actions",
                "user": user,
                "channel": channel,
                "team": {"id": "T0SANDBOX"},
                "container": {
                    "type": "message",
                    "channel_id": scene.channel_id,
                    "message_ts": "1700000000.000100",
                },
                "message": {"ts": "1700000000.000100", "text": "card"},
                "trigger_id": scene.trigger_id,
                "response_url": scene.response_url,
                "actions": [
                    {
                        "type": "button",
                        "action_id": str(action_id),
                        "block_id": block_id,
                        "value": value,
                        "selected_option": {"value": "rollback"},
                        "selected_options": [],
                        "selected_user": scene.user_id,
                    }
                ],
            },
        )
        for action_id in ActionId
        for value, block_id in [_minted(action_id, number)]
    ]
    found += [
        Request(
            "view_submission",
            "interaction",
            {
                "type": "view_submission",
                "user": user,
                "team": {"id": "T0SANDBOX"},
                "trigger_id": scene.trigger_id,
                "view": {
                    "id": "V0FUZZ",
                    "type": "modal",
                    "callback_id": str(callback_id),
                    "private_metadata": json.loads(_state_of(callback_id, scene).encode()),
                    "state": {
                        "values": {
                            str(action_id): {
                                str(action_id): {"type": "plain_text_input", "value": "words"}
                            }
                            for action_id in ActionId
                        }
                    },
                },
            },
        )
        for callback_id in CallbackId
        if callback_id not in (CallbackId.TIMELINE_SHORTCUT, CallbackId.CASE_SHORTCUT)
    ]
    found += [
        Request(
            "shortcut",
            "interaction",
            {
                "type": "message_action",
                "callback_id": str(shortcut),
                "user": user,
                "channel": channel,
                "team": {"id": "T0SANDBOX"},
                "trigger_id": scene.trigger_id,
                "response_url": scene.response_url,
                "message": {"ts": "1700000000.000100", "text": "a message", "user": scene.user_id},
            },
        )
        for shortcut in (CallbackId.TIMELINE_SHORTCUT, CallbackId.CASE_SHORTCUT)
    ]
    found += [
        Request(
            "event",
            "json",
            {
                "type": "event_callback",
                "team_id": "T0SANDBOX",
                "event_id": "Ev0FUZZ",
                "event": event,
            },
        )
        for event in (
            {
                "type": "reaction_added",
                "user": scene.user_id,
                "reaction": "pushpin",
                "item": {"type": "message", "channel": scene.channel_id, "ts": "1700000000.000100"},
            },
            {"type": "app_home_opened", "user": scene.user_id, "tab": "home"},
            {"type": "message", "user": scene.user_id, "channel": scene.channel_id, "text": "hi"},
            {
                "type": "reaction_added",
                "user": scene.user_id,
                "reaction": "pushpin",
                "item": {"type": "file", "file": "F0FILE"},
            },
            {
                "type": "reaction_added",
                "user": scene.user_id,
                "reaction": "pushpin",
                "item": {"type": "message", "channel": "C0NOWHERE", "ts": "1700000009.000900"},
            },
            {"type": "emoji_changed", "subtype": "add", "name": "fuzz"},
        )
    ]
    return found


def _state_of(callback_id: CallbackId, scene: Scene) -> ModalState:
    """The metadata the bot writes into the modal `callback_id` opens."""
    number, channel = scene.incident_number, scene.channel_id
    match callback_id:
        case CallbackId.DECLARE_MODAL:
            return DeclareState(origin_channel_id=channel)
        case CallbackId.TIMELINE_PICK_MODAL | CallbackId.CASE_PICK_MODAL:
            return PinMessageState(channel_id=channel, ts="1.1", text="a message")
        case CallbackId.LEVER_MODAL:
            return LeverState(incident_number=number, phase="triage", lever_id="rollback")
        case CallbackId.CHANGE_MODAL:
            return ChangeState(origin_channel_id=channel, incident_number=number)
        case CallbackId.SLICE_MODAL:
            return SliceState(incident_number=number)
        case CallbackId.ACTION_ITEM_MODAL:
            return ActionItemState(incident_number=number)
        case CallbackId.ACTION_DONE_MODAL:
            return DoneState(incident_number=number, item_id=1, category="code")
        case CallbackId.CLOSE_MODAL:
            return CloseState(incident_number=number, channel_id=channel)
        case CallbackId.UPDATE_MODAL:
            return IncidentState(incident_number=number, channel_id=channel)
        case _:
            return AnalysisState(incident_number=number, channel_id=channel)


def _minted(action_id: ActionId, number: str) -> tuple[str, str]:
    """The value and block id the app gives a control, as Slack echoes them back."""
    ref = f"{number}:1"
    if action_id in {ActionId.PHASE_ADVANCE_ANYWAY, ActionId.DIGEST_ADD_TO_TIMELINE}:
        return f"{number}|1", "x"
    if action_id is ActionId.LEVER_CHOOSE:
        return "", "lever|triage"
    if action_id is ActionId.CHECKLIST_TOGGLE:
        return "", "entry|triage|1"
    if action_id.name.startswith(("ACTION_ITEM", "SCOPE", "REMINDER", "CASE_EDIT", "CASE_REMOVE")):
        return ref, f"action_item.{ref}"
    return number, "x"


def paths_in(tree: Any, prefix: Path = ()) -> list[Path]:
    """Every place in `tree` a value Slack writes could be replaced."""
    found: list[Path] = []
    if isinstance(tree, dict):
        items: list[tuple[str | int, Any]] = list(tree.items())
    elif isinstance(tree, list):
        items = list(enumerate(tree))
    else:
        return found
    for key, child in items:
        found.append((*prefix, key))
        found += paths_in(child, (*prefix, key))
    return found


def replaced(request: Request, path: Path, value: Any) -> Request:
    """`request` with the value at `path` replaced by `value` (or removed, for DROP)."""
    body = copy.deepcopy(request.body)
    parent: Any = body
    for key in path[:-1]:
        parent = parent[key]
    if value is DROP:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return Request(request.surface, request.kind, body)


def nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


async def declared_incident(rig: Rehearsal) -> tuple[int, str]:
    """Declare an incident through the sandbox as a person would: (its number, its channel)."""
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Answers cite cases that do not exist", user="U0ALICE",
                          channel=general.id)  # fmt: skip
    await rig.slack.settle()
    view = rig.emulator.open_views("U0ALICE")[-1]
    fields = {"severity": "S2", "category": "user_visible_regression"}
    await rig.slack.submit_view(view.id, fields, user="U0ALICE")
    await rig.slack.settle()
    incident = (await rig.runtime.deps.incidents.list_open())[0]
    assert incident.number is not None and incident.channel_id is not None
    return incident.number, incident.channel_id
