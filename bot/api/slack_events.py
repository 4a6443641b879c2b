"""`POST /slack/events`: Bolt behind a guard that turns bad requests into clean 4xx.

Bolt verifies signatures and answers url_verification and ssl_check itself; what it does not do
is survive a body it cannot parse, which would surface as a 500. Nothing from an exception ever
reaches the response.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
MAX_CLOCK_SKEW_SECONDS = 300


def is_signed_by_slack(secret: bytes, body: bytes, headers: dict[str, str]) -> bool:
    """Slack's v0 signature, checked on raw bytes (slack_sdk's verifier decodes first, which
    fails on the very bodies this guard exists for)."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    digest = hmac.new(secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}", signature)


class SlackEventsEndpoint:
    def __init__(self, bolt: AsyncApp, *, signing_secret: str) -> None:
        self._handler = AsyncSlackRequestHandler(bolt)
        self._secret = signing_secret.encode()

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return self._reject(body, request, "body is not UTF-8")
        try:
            return await self._handler.handle(request)
        except Exception:  # a body Bolt could not parse, or a bug: never a traceback out
            log.warning("could not handle a Slack request", exc_info=True)
            return self._reject(body, request, "malformed request body")

    def _reject(self, body: bytes, request: Request, reason: str) -> Response:
        if not is_signed_by_slack(self._secret, body, dict(request.headers)):
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        return JSONResponse({"error": reason}, status_code=400)
