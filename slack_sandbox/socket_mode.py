"""Socket Mode as Slack runs it: `apps.connections.open` hands out a one-time WebSocket URL, the
link says `hello`, delivers envelopes and waits up to 3 seconds for each one's ack.

The hub lives in the sandbox server's thread and loop; a test or `SocketModeSlack` in the app's
loop calls `deliver`, which runs there and hands back the ack. An envelope nobody acked is kept
in `unacked` (Slack would have shown the person an error), so a test can fail on it. A test can
ask the app to refresh its connection (`disconnect`) or take the link down and up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from slack_sandbox.errors import ApiError
from slack_sandbox.state import JsonDict

OPEN_CONNECTION = "apps.connections.open"
DEFAULT_APP_TOKEN = "xapp-1-A0SANDBOX-0000-not-a-real-token"
ACK_TIMEOUT_SECONDS = 3.0
LINK_PATH = "/link/"
# Close codes: policy violation for a ticket Slack never issued or already used; "try again
# later" while the test keeps the link down.
_BAD_TICKET = 1008
_GOING_DOWN = 1013
_DISCONNECT_REASONS = ("refresh_requested", "warning", "link_disabled")
# Interactions whose ack body Slack reads (a modal's response_action, suggestions); for the
# others an ack is only an ack.
_ANSWERED_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


class NotConnected(LookupError):
    """No app holds a Socket Mode link: Slack would have nobody to deliver to."""


@dataclass(frozen=True)
class Delivery:
    """One envelope sent to the app and what came back (`ack` None: not acked in time)."""

    envelope: JsonDict
    acked: bool
    ack_payload: Any = None


@dataclass
class _Link:
    websocket: WebSocket
    loop: asyncio.AbstractEventLoop
    pending: dict[str, asyncio.Future[Any]] = field(default_factory=dict)


class SocketModeHub:
    def __init__(self, *, app_id: str, app_token: str, ack_timeout: float) -> None:
        self._app_id = app_id
        self._app_token = app_token
        self.ack_timeout = ack_timeout
        self._lock = threading.Lock()
        self._tickets: set[str] = set()
        self._links: list[_Link] = []
        self._down = False
        self._base_url: str | None = None
        self.deliveries: list[Delivery] = []
        self.connections_opened = 0

    # -- wiring --------------------------------------------------------------------------------

    def attach(self, base_url: str) -> None:
        self._base_url = base_url.rstrip("/")

    # -- what the app calls --------------------------------------------------------------------

    def open_connection(self, token: str | None) -> JsonDict:
        """`apps.connections.open`: only the app-level token may ask, as Slack insists."""
        if token is None:
            raise ApiError("not_authed")
        if not token.startswith("xapp-"):
            raise ApiError("not_allowed_token_type")
        if not hmac.compare_digest(token.encode(), self._app_token.encode()):
            raise ApiError("invalid_auth")
        if self._base_url is None:
            raise RuntimeError("the sandbox server is not started")
        with self._lock:
            if self._down:
                raise ApiError("service_unavailable", status=503)
            ticket = secrets.token_hex(16)
            self._tickets.add(ticket)
        ws_base = "ws" + self._base_url.removeprefix("http")
        return {"url": f"{ws_base}{LINK_PATH}?ticket={ticket}&app_id={self._app_id}"}

    async def serve(self, websocket: WebSocket) -> None:
        """The WebSocket endpoint: one link per valid ticket, for as long as the app holds it."""
        ticket = websocket.query_params.get("ticket", "")
        with self._lock:
            valid = ticket in self._tickets and not self._down
            self._tickets.discard(ticket)
            link = _Link(websocket, asyncio.get_running_loop())
            if valid:
                self._links.append(link)
                self.connections_opened += 1
                count = len(self._links)
        if not valid:
            await websocket.close(code=_BAD_TICKET)
            return
        await websocket.accept()
        try:
            await websocket.send_json(
                {
                    "type": "hello",
                    "num_connections": count,
                    "debug_info": {"host": "sandbox-link", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": self._app_id},
                }
            )
            while True:
                _take_ack(link, await websocket.receive_text())
        except (WebSocketDisconnect, RuntimeError):
            pass  # the app (or take_down) closed the link
        finally:
            with self._lock:
                if link in self._links:
                    self._links.remove(link)
            for waiting in link.pending.values():
                waiting.cancel()

    # -- what a test (or SocketModeSlack) does ------------------------------------------------

    @property
    def connected(self) -> bool:
        with self._lock:
            return bool(self._links)

    @property
    def unacked(self) -> list[JsonDict]:
        """Envelopes the app did not ack within the timeout: errors a person would have seen."""
        with self._lock:
            return [d.envelope for d in self.deliveries if not d.acked]

    async def deliver(
        self, kind: str, payload: JsonDict, *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> Delivery:
        """Send one envelope over the newest link and wait for its ack (from any loop)."""
        with self._lock:
            link = self._links[-1] if self._links else None
        if link is None:
            raise NotConnected("no app holds a Socket Mode link to the sandbox")
        envelope: JsonDict = {
            "envelope_id": str(uuid.uuid4()),
            "type": kind,
            "payload": payload,
            "accepts_response_payload": _accepts_response_payload(kind, payload),
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        running = asyncio.run_coroutine_threadsafe(self._send_and_wait(link, envelope), link.loop)
        delivery = await asyncio.wrap_future(running)
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    async def _send_and_wait(self, link: _Link, envelope: JsonDict) -> Delivery:
        waiting: asyncio.Future[Any] = link.loop.create_future()
        link.pending[envelope["envelope_id"]] = waiting
        try:
            await link.websocket.send_json(envelope)
            ack = await asyncio.wait_for(waiting, self.ack_timeout)
        except (TimeoutError, asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            return Delivery(envelope, acked=False)
        finally:
            link.pending.pop(envelope["envelope_id"], None)
        return Delivery(envelope, acked=True, ack_payload=ack)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell every connected app to move to a new link, as Slack does every few hours."""
        if reason not in _DISCONNECT_REASONS:
            raise ValueError(f"Slack sends no disconnect with reason {reason!r}")
        message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "sandbox-link"}}
        await self._on_each_link(lambda link: link.websocket.send_json(message))

    async def take_down(self) -> None:
        """Close every link and refuse new ones (apps.connections.open answers 503)."""
        with self._lock:
            self._down = True
            self._tickets.clear()
        await self._on_each_link(lambda link: link.websocket.close(code=_GOING_DOWN))

    def bring_up(self) -> None:
        with self._lock:
            self._down = False

    async def _on_each_link(self, act: Callable[[_Link], Coroutine[Any, Any, None]]) -> None:
        """Run `act` in the sandbox's loop for every link; awaited from the caller's loop, which
        keeps running (the app on the other end must be free to answer a close)."""
        with self._lock:
            links = list(self._links)
        for link in links:
            done = asyncio.run_coroutine_threadsafe(act(link), link.loop)
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await asyncio.wrap_future(done)


def _take_ack(link: _Link, text: str) -> None:
    try:
        ack = json.loads(text)
    except json.JSONDecodeError:
        return
    if not isinstance(ack, dict):
        return
    waiting = link.pending.get(str(ack.get("envelope_id")))
    if waiting is not None and not waiting.done():
        waiting.set_result(ack.get("payload"))


def _accepts_response_payload(kind: str, payload: JsonDict) -> bool:
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in _ANSWERED_INTERACTIONS
