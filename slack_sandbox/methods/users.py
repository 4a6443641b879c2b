"""auth.test and users.*: who the app is, and the people in the workspace."""

from __future__ import annotations

from slack_sandbox.methods.paging import page
from slack_sandbox.params import Params
from slack_sandbox.state import JsonDict
from slack_sandbox.workspace import Workspace


def auth_test(ws: Workspace, p: Params) -> JsonDict:
    me = ws.identity
    return {
        "url": me.workspace_url,
        "team": me.team_name,
        "user": ws.name_of(me.bot_user_id),
        "team_id": me.team_id,
        "user_id": me.bot_user_id,
        "bot_id": me.bot_id,
        "is_enterprise_install": False,
    }


def info(ws: Workspace, p: Params) -> JsonDict:
    user = ws.user(p.text("user", missing_error="user_not_found"))
    return {"user": user.to_slack(team_id=ws.identity.team_id, at_epoch=ws.wall_clock())}


def list_users(ws: Workspace, p: Params) -> JsonDict:
    chunk, cursor = page(list(ws.users.values()), p)
    now = ws.wall_clock()
    return {
        "members": [u.to_slack(team_id=ws.identity.team_id, at_epoch=now) for u in chunk],
        "cache_ts": int(now),
        "response_metadata": {"next_cursor": cursor},
    }
