"""Shared pieces for the sandbox's own tests: a served emulator with a hand-driven clock, a
slack_sdk client pointed at it, and a stand-in app that records what ScriptedSlack sends."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from slack_sandbox import DEFAULT_BOT_TOKEN, SandboxServer, SlackEmulator

SIGNING_SECRET = "test-signing-secret"


class FakeClock:
    """A monotonic clock a test moves by hand (expire a trigger_id without sleeping)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Sandbox:
    emulator: SlackEmulator
    server: SandboxServer
    clock: FakeClock

    def web(self, **kwargs: Any) -> AsyncWebClient:
        return AsyncWebClient(token=DEFAULT_BOT_TOKEN, base_url=self.server.api_url, **kwargs)


@contextmanager
def served_sandbox() -> Iterator[Sandbox]:
    clock = FakeClock()
    emulator = SlackEmulator(clock=clock)
    with SandboxServer(emulator) as server:
        yield Sandbox(emulator=emulator, server=server, clock=clock)


async def slack_error(call: Awaitable[object]) -> str:
    """The `error` code of a Web API call that must fail."""
    with pytest.raises(SlackApiError) as raised:
        await call
    error = raised.value.response["error"]
    assert isinstance(error, str)
    return error


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def payload(self) -> Any:
        """The interaction payload (form field `payload`) or the JSON body of an event."""
        if self.headers.get("content-type", "").startswith("application/json"):
            return json.loads(self.body)
        return json.loads(self.form["payload"])


@dataclass
class RecordingApp:
    """Answers like a Bolt app would (200, optional JSON body) and keeps every request."""

    received: list[Received] = field(default_factory=list)
    answer: Any = None
    status: int = 200

    def asgi(self) -> Starlette:
        verifier = SignatureVerifier(SIGNING_SECRET)

        async def events(request: Request) -> Response:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            self.received.append(Received(headers, body, verifier.is_valid_request(body, headers)))
            if self.answer is None:
                return Response(b"", status_code=self.status)
            return JSONResponse(self.answer, status_code=self.status)

        return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])

    @property
    def last(self) -> Received:
        return self.received[-1]


def modal(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "declare",
        "title": {"type": "plain_text", "text": "Declare incident"},
        "submit": {"type": "plain_text", "text": "Open"},
        "blocks": list(blocks),
    }
    view.update(extra)
    return view


def text_input(block_id: str, action_id: str, **element: Any) -> dict[str, Any]:
    return input_block(block_id, {"type": "plain_text_input", "action_id": action_id, **element})


def input_block(
    block_id: str, element: dict[str, Any], *, optional: bool = False
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": block_id.replace("_", " ").title()},
        "element": element,
    }


def option(value: str, label: str | None = None) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label or value}, "value": value}


def button(label: str, action_id: str, value: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
    }
    if value is not None:
        element["value"] = value
    return element
