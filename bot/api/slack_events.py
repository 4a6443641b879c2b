"""`POST /slack/events`: nothing runs before the request is proven to come from Slack.

The signature is checked here, on the raw bytes, before Bolt parses anything: Bolt's own
verifier fails with a 500 on a timestamp that is not a number, and its error handler would then
act on the unverified body (post to the sender's response_url, message any channel) with the
bot token. Bolt's verifier is switched off (bot/slack/app.py) so that it cannot log the body of
a request that fails. A verified body must still have the shape Slack gives it
(bot/slack/envelope.py) before a listener sees it. Nothing from an exception ever reaches the
response. Each request is counted by its surface and outcome, with the time to its answer (the
ack); its id (bot/api/observed.py) is in every log record it leaves.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.observability.metrics import Metrics
from bot.observability.slack_requests import UNPARSED, outcome_of, surface_of
from bot.slack.envelope import as_bolt_reads_it, check_envelope
from bot.slack.payloads import MalformedPayload

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000
MAX_CLOCK_SKEW_SECONDS = 300


def is_signed_by_slack(secret: bytes, body: bytes, headers: dict[str, str]) -> bool:
    """Slack's v0 signature, checked on raw bytes (slack_sdk's verifier decodes first, which
    fails on the very bodies this guard exists for)."""
    stamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return False
    if abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW_SECONDS:
        return False
    digest = hmac.new(secret, b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace"))


class SlackEventsEndpoint:
    def __init__(self, bolt: AsyncApp, *, signing_secret: str | None, metrics: Metrics) -> None:
        self._bolt = bolt
        # None in Socket Mode: without a secret no request can be proven to come from Slack.
        self._secret = signing_secret.encode() if signing_secret else None
        self._metrics = metrics

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        surface, outcome, response = await self._answer(request)
        self._metrics.slack_request(surface, outcome, time.perf_counter() - started)
        return response

    async def _answer(self, request: Request) -> tuple[str, str, Response]:
        """The response, with the request's surface and outcome (ok, rejected, error)."""
        if self._secret is None:
            return UNPARSED, "rejected", _refusal("Slack events come over Socket Mode here", 404)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return UNPARSED, "rejected", _refusal("body too large", 413)
        if not is_signed_by_slack(self._secret, body, dict(request.headers)):
            return UNPARSED, "rejected", _refusal("invalid signature", 401)
        try:
            text = as_bolt_reads_it(body)
            check_envelope(text, request.headers)
        except MalformedPayload as malformed:
            log.info("refused a signed Slack request: %s", malformed.reason)
            return UNPARSED, "rejected", _refusal(malformed.reason, 400)
        bolt_request = AsyncBoltRequest(
            body=text, query=request.url.query, headers=dict(request.headers)
        )
        surface = surface_of(bolt_request.body)
        try:
            answer = await self._bolt.async_dispatch(bolt_request)
            response = to_starlette_response(answer)
            return surface, outcome_of(response.status_code), response
        except Exception as error:  # a bug: logged for us, never a traceback out
            log.error("could not handle a signed Slack request", exc_info=error)
            return surface, "error", _refusal("malformed request body", 400)


def _refusal(reason: str, status: int) -> Response:
    return JSONResponse({"error": reason}, status_code=status)
