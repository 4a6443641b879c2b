"""Counting the Slack Web API calls the bot makes: by method and outcome, and the re-sends.

The outcome is a small fixed set (metrics.SLACK_API_OUTCOMES): Slack's error codes are many and
some name the request, so anything that is not a rate limit, a 5xx or a lost connection counts
as `error`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.observability.metrics import Metrics


def call_outcome(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, SlackApiError):
        status = error.response.status_code if error.response is not None else 0
        if status == 429:
            return "ratelimited"
        if status >= 500:
            return "server_error"
        return "error"
    if isinstance(error, OSError | TimeoutError) or type(error).__module__.startswith("aiohttp"):
        return "connection_error"
    return "error"


class MeteredWebClient(AsyncWebClient):
    """An AsyncWebClient that counts each call once, after its retries, by how it ended."""

    def __init__(self, *, metrics: Metrics, **client_options: Any) -> None:
        super().__init__(**client_options)
        self._metrics = metrics

    async def api_call(self, api_method: str, **call: Any) -> AsyncSlackResponse:
        try:
            response = await super().api_call(api_method, **call)
        except BaseException as error:
            self._metrics.slack_api_call(api_method, call_outcome(error))
            raise
        self._metrics.slack_api_call(api_method, "ok")
        return response


def _retry_reason(handler: AsyncRetryHandler) -> str:
    if isinstance(handler, AsyncRateLimitErrorRetryHandler):
        return "ratelimited"
    if isinstance(handler, AsyncServerErrorRetryHandler):
        return "server_error"
    if isinstance(handler, AsyncConnectionErrorRetryHandler):
        return "connection_error"
    return "other"


class CountedRetries(AsyncRetryHandler):
    """A retry handler that counts each re-send it decides on, then lets `inner` do the rest."""

    def __init__(self, inner: AsyncRetryHandler, *, metrics: Metrics) -> None:
        super().__init__(
            max_retry_count=inner.max_retry_count, interval_calculator=inner.interval_calculator
        )
        self._inner = inner
        self._metrics = metrics
        self._reason = _retry_reason(inner)

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return await self._inner.can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        method = urlsplit(request.url).path.rsplit("/", 1)[-1] or "unknown"
        self._metrics.slack_api_retry(method, self._reason)
        await self._inner.prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )
