"""views.*: modals (open, push, update) and App Home (publish), plus what a submission does.

A modal lives in a stack of at most three views; submitting the top view with a bare ack closes
it, `response_action` can instead show field errors, update it, push another or clear the stack,
exactly the choices Slack offers an app.
"""

from __future__ import annotations

import secrets
from typing import Any

from slack_sandbox.errors import ApiError
from slack_sandbox.params import Params
from slack_sandbox.state import JsonDict, ViewRecord, plain_text_of
from slack_sandbox.validation import validate_view
from slack_sandbox.workspace import Workspace

MAX_STACK = 3


def _new_hash(ws: Workspace) -> str:
    return f"{ws.epoch()}.{secrets.token_hex(4)}"


def slack_view(ws: Workspace, record: ViewRecord) -> JsonDict:
    return record.to_slack(bot_id=ws.identity.bot_id, app_id=ws.identity.app_id)


def _log_view(ws: Workspace, record: ViewRecord, verb: str) -> None:
    who = ws.name_of(record.user)
    if record.type == "home":
        headline = f"App Home of {who} {verb}:"
    else:
        headline = f'modal "{record.title}" {verb} for {who}:'
    body = ws.render("", record.blocks)
    buttons = [plain_text_of(record.payload.get(k)) for k in ("close", "submit")]
    if any(buttons):
        body.append(" ".join(f"[{label}]" for label in buttons if label))
    ws.log(headline, body)


def _check_external_id_free(ws: Workspace, view: JsonDict, keep: str | None = None) -> None:
    external_id = view.get("external_id")
    if not external_id:
        return
    for record in ws.views.values():
        if record.id != keep and record.external_id == external_id:
            raise ApiError("duplicate_external_id")


def _create(
    ws: Workspace, view: JsonDict, *, user: str, root: str | None, previous: str | None
) -> ViewRecord:
    view_id = ws.mint_id("V")
    record = ViewRecord(
        id=view_id,
        type=str(view.get("type")),
        user=user,
        payload=view,
        hash=_new_hash(ws),
        team_id=ws.identity.team_id,
        root_view_id=root or view_id,
        previous_view_id=previous,
    )
    ws.views[view_id] = record
    return record


def open_view(ws: Workspace, p: Params) -> JsonDict:
    trigger_id = p.text("trigger_id", missing_error="invalid_trigger_id")
    trigger = ws.exchange_trigger(trigger_id)
    view = validate_view(p.get("view"), expected_type="modal")
    _check_external_id_free(ws, view)
    ws.commit_trigger(trigger_id)
    record = _create(ws, view, user=trigger.user or "", root=None, previous=None)
    _log_view(ws, record, "opened")
    return {"view": slack_view(ws, record)}


def _stack(ws: Workspace, root_view_id: str) -> list[ViewRecord]:
    return [v for v in ws.views.values() if v.root_view_id == root_view_id and v.is_open]


def push_view(ws: Workspace, p: Params) -> JsonDict:
    trigger_id = p.text("trigger_id", missing_error="invalid_trigger_id")
    trigger = ws.exchange_trigger(trigger_id)
    view = validate_view(p.get("view"), expected_type="modal")
    parent = ws.views.get(trigger.view_id or "") or _latest_open_modal(ws, trigger.user)
    if parent is None or not parent.is_open:
        raise ApiError("not_found")
    _check_external_id_free(ws, view)
    record = _push(ws, parent, view)
    ws.commit_trigger(trigger_id)
    return {"view": slack_view(ws, record)}


def _push(ws: Workspace, parent: ViewRecord, view: JsonDict) -> ViewRecord:
    stack = _stack(ws, parent.root_view_id)
    if len(stack) >= MAX_STACK:
        raise ApiError("push_limit_reached")
    record = _create(ws, view, user=parent.user, root=parent.root_view_id, previous=stack[-1].id)
    _log_view(ws, record, "pushed")
    return record


def _latest_open_modal(ws: Workspace, user: str | None) -> ViewRecord | None:
    candidates = [v for v in ws.views.values() if v.type == "modal" and v.is_open]
    if user is not None:
        candidates = [v for v in candidates if v.user == user]
    return candidates[-1] if candidates else None


def update_view(ws: Workspace, p: Params) -> JsonDict:
    view_id = p.optional_text("view_id")
    external_id = p.optional_text("external_id")
    if view_id is None and external_id is None:
        raise ApiError("invalid_arguments", ["[ERROR] either view_id or external_id is required"])
    record = _find(ws, view_id, external_id)
    expected = p.optional_text("hash")
    if expected is not None and expected != record.hash:
        raise ApiError("hash_conflict")
    view = validate_view(p.get("view"), expected_type=record.type)
    _check_external_id_free(ws, view, keep=record.id)
    replace_view(ws, record, view)
    return {"view": slack_view(ws, record)}


def _find(ws: Workspace, view_id: str | None, external_id: str | None) -> ViewRecord:
    for record in ws.views.values():
        matches = record.id == view_id if view_id is not None else record.external_id == external_id
        if matches and record.is_open:
            return record
    raise ApiError("not_found")


def replace_view(ws: Workspace, record: ViewRecord, view: JsonDict) -> None:
    if "external_id" not in view and record.external_id is not None:
        view = {**view, "external_id": record.external_id}
    record.history.append(record.payload)
    record.payload = view
    record.hash = _new_hash(ws)
    record.errors = {}
    _log_view(ws, record, f"updated (update {record.update_count})")


def publish_view(ws: Workspace, p: Params) -> JsonDict:
    user = ws.user(p.text("user_id", missing_error="user_not_found"))
    view = validate_view(p.get("view"), expected_type="home")
    existing = ws.views.get(ws.home_views.get(user.id, ""))
    if existing is not None:
        expected = p.optional_text("hash")
        if expected is not None and expected != existing.hash:
            raise ApiError("hash_conflict")
        replace_view(ws, existing, view)
        return {"view": slack_view(ws, existing)}
    record = _create(ws, view, user=user.id, root=None, previous=None)
    ws.home_views[user.id] = record.id
    _log_view(ws, record, "published")
    return {"view": slack_view(ws, record)}


# -- what a person's submission or close does ---------------------------------------------


def open_modal(ws: Workspace, view_id: str) -> ViewRecord:
    record = ws.views.get(view_id)
    if record is None or record.type != "modal":
        raise LookupError(f"no modal {view_id!r} in the sandbox")
    if not record.is_open:
        raise LookupError(f"modal {view_id!r} ({record.title!r}) is already closed")
    return record


def close(ws: Workspace, record: ViewRecord, *, whole_stack: bool = False) -> None:
    closing = _stack(ws, record.root_view_id) if whole_stack else [record]
    for view in closing:
        view.is_open = False
    ws.log(f'modal "{record.title}" closed for {ws.name_of(record.user)}')


def apply_submission_answer(ws: Workspace, record: ViewRecord, answer: Any) -> None:
    """Do what the app's ack to a view_submission asked for (Slack's `response_action`)."""
    action = answer.get("response_action") if isinstance(answer, dict) else None
    if action is None:
        close(ws, record)
    elif action == "errors":
        record.errors = _field_errors(record, answer.get("errors"))
        lines = [f"{block_id}: {message}" for block_id, message in record.errors.items()]
        ws.log(f'modal "{record.title}" refused the submission:', lines)
    elif action == "update":
        view = validate_view(answer.get("view"), expected_type="modal")
        replace_view(ws, record, view)
    elif action == "push":
        view = validate_view(answer.get("view"), expected_type="modal")
        _push(ws, record, view)
    elif action == "clear":
        close(ws, record, whole_stack=True)
    else:
        problem = f"[ERROR] unknown response_action {action!r}"
        raise ApiError("invalid_arguments", [problem], rejected=True)


def _field_errors(record: ViewRecord, errors: Any) -> dict[str, str]:
    """Slack shows an error only under an input block of the view; anything else fails."""
    if not isinstance(errors, dict) or not errors:
        problem = "[ERROR] errors must be a non-empty object [json-pointer:/errors]"
        raise ApiError("invalid_arguments", [problem], rejected=True)
    inputs = {b.get("block_id") for b in record.blocks if b.get("type") == "input"}
    unknown = sorted(str(k) for k in errors if k not in inputs)
    if unknown:
        problem = f"[ERROR] no input block {unknown} in the view [json-pointer:/errors]"
        raise ApiError("invalid_arguments", [problem], rejected=True)
    return {str(k): str(v) for k, v in errors.items()}
