"""usergroups.users.list: who is in a user group (a handle like @ai-incident-admins)."""

from __future__ import annotations

from slack_sandbox.errors import ApiError
from slack_sandbox.params import Params
from slack_sandbox.state import JsonDict
from slack_sandbox.workspace import Workspace


def users_list(ws: Workspace, p: Params) -> JsonDict:
    group_id = p.text("usergroup", missing_error="invalid_arguments")
    members = ws.user_groups.get(group_id)
    if members is None:
        raise ApiError("no_such_subteam")
    return {"users": list(members)}
