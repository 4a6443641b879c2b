"""SocketModeSlack: the same person as ScriptedSlack, reaching the app over its Socket Mode link.

Each slash command, interaction and event goes out as an envelope on the link the app opened
(`SlackEmulator.socket_mode`), and the app's ack comes back as the reply Slack would act on: its
payload is the body (a modal's `response_action`, a command's answer), an envelope left unacked
is a 504 (Slack shows the person an error) and stays in `socket_mode.unacked`.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from slack_sandbox.client import SlackDriver
from slack_sandbox.emulator import SlackEmulator
from slack_sandbox.settling import Task, TaskWatch
from slack_sandbox.socket_mode import Delivery
from slack_sandbox.state import JsonDict

# The loops of slack_sdk's Socket Mode client (started again at every reconnection): the
# transport itself, never the app's work for a request.
_CLIENT_LOOPS = frozenset({"receive_messages", "monitor_current_session", "process_messages"})


def is_socket_client_loop(task: Task) -> bool:
    owner, _, name = getattr(task.get_coro(), "__qualname__", "").rpartition(".")
    return owner.endswith("SocketModeClient") and name in _CLIENT_LOOPS


class SocketModeSlack(SlackDriver):
    def __init__(self, *, emulator: SlackEmulator, team_id: str = "T0SANDBOX") -> None:
        super().__init__(
            emulator=emulator, team_id=team_id, tasks=TaskWatch(long_lived=is_socket_client_loop)
        )
        self._link = emulator.socket_mode

    async def _send(
        self, kind: str, payload: JsonDict, *, retry: int = 0, reason: str = ""
    ) -> httpx.Response:
        self._tasks.start()
        try:
            delivery = await self._link.deliver(
                kind, payload, retry_attempt=retry, retry_reason=reason
            )
        finally:
            self._tasks.note_new_tasks()
        return _as_reply(delivery)

    async def _form(
        self, fields: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        return await self._send("slash_commands", dict(fields))

    async def _interaction(self, payload: JsonDict) -> httpx.Response:
        return await self._send("interactive", payload)

    async def _json(
        self, body: JsonDict, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        sent = {key.lower(): value for key, value in (headers or {}).items()}
        return await self._send(
            "events_api",
            body,
            retry=int(sent.get("x-slack-retry-num", 0)),
            reason=sent.get("x-slack-retry-reason", ""),
        )


def _as_reply(delivery: Delivery) -> httpx.Response:
    if not delivery.acked:
        return httpx.Response(504)
    if delivery.ack_payload is None:
        return httpx.Response(200)
    return httpx.Response(200, json=delivery.ack_payload)
