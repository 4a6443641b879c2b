"""A request Slack did not sign is refused before anything runs: no answer to the URL it
names, no message, no DM, and its body is not written to the log."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import urlencode

import pytest

from bot.demo.rehearsal import Rehearsal

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class _Listener(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        type(self).received.append(self.rfile.read(length))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def listener_url() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []
    handler = type("Listener", (_Listener,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def _interaction(response_url: str) -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ALICE"},
        "channel": {"id": "C0GENERAL"},
        "trigger_id": "1.2.3",
        "response_url": response_url,
        "actions": [{"action_id": "no-such-action", "value": "1"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "99999999999999999999", "-1"])
async def test_unsigned_request_with_a_bad_timestamp_is_401_and_calls_nobody(
    rig: Rehearsal,
    listener_url: tuple[str, list[bytes]],
    timestamp: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, received = listener_url
    headers = {**FORM, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"}
    with caplog.at_level(logging.DEBUG):
        response = await rig.slack.raw(_interaction(url), headers, sign=False)
        await rig.slack.settle()

    assert response.status_code == 401
    assert received == []
    assert rig.emulator.calls == []
    assert not [r for r in caplog.records if "response_url" in r.getMessage()]
