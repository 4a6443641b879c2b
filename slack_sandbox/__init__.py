"""A local Slack for the demo, the end-to-end tests and rehearsals without a workspace.

`SlackEmulator` answers the Web API with state and Slack's validation; `SandboxServer` serves it
on 127.0.0.1 from its own thread; `ScriptedSlack` drives the app with signed requests as Slack
would. Typical use::

    emulator = SlackEmulator()
    with SandboxServer(emulator) as server:          # SLACK_API_URL = server.api_url
        slack = ScriptedSlack(http, signing_secret=secret, emulator=emulator)
        await slack.slash("open Refusals spiked", user="U0ALICE", channel=general_id)
        await slack.settle()
        print(emulator.transcript())

Over Socket Mode instead, the app connects with `DEFAULT_APP_TOKEN` and `SocketModeSlack`
(same methods) delivers through `emulator.socket_mode`, the link a test can also refresh or take
down.
"""

from slack_sandbox.client import ScriptedSlack, slack_signature
from slack_sandbox.emulator import BOT_USER_ID, DEFAULT_BOT_TOKEN, SlackEmulator
from slack_sandbox.errors import ApiError
from slack_sandbox.server import SandboxServer
from slack_sandbox.settling import SettleTimeout
from slack_sandbox.socket_driver import SocketModeSlack
from slack_sandbox.socket_mode import DEFAULT_APP_TOKEN, NotConnected
from slack_sandbox.state import (
    Call,
    Channel,
    Ephemeral,
    FileRecord,
    Message,
    MessageVersion,
    Rejection,
    User,
    ViewRecord,
)
from slack_sandbox.view_state import SubmissionBlocked

__all__ = [
    "BOT_USER_ID",
    "DEFAULT_APP_TOKEN",
    "DEFAULT_BOT_TOKEN",
    "ApiError",
    "Call",
    "Channel",
    "Ephemeral",
    "FileRecord",
    "Message",
    "MessageVersion",
    "NotConnected",
    "Rejection",
    "SandboxServer",
    "ScriptedSlack",
    "SettleTimeout",
    "SlackEmulator",
    "SocketModeSlack",
    "SubmissionBlocked",
    "User",
    "ViewRecord",
    "slack_signature",
]
