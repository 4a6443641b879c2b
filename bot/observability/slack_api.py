"""Counting the Slack Web API calls the bot makes — each attempt, by method and outcome — and
the re-sends its retry handlers decide on.

Both are retry handlers, because the retry handlers are what every client shares: Bolt makes a
fresh AsyncWebClient per request (copying the handler list of the app's client), so a client
subclass would miss every call a listener makes. slack_sdk offers each answer to its handlers in
order; `ObservedCalls`, first in the list, counts it and never asks for a retry.

Outcomes are a small fixed set (metrics.SLACK_API_OUTCOMES): Slack's error codes are many, so
anything that is not a rate limit, a 5xx or a lost connection counts as `error`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import aiohttp
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

from bot.observability.metrics import Metrics

# A Web API method as it ends the URL (`…/api/chat.postMessage`). File bytes go to a URL Slack
# hands out, whose last part is an id: those are all one "file_upload".
_METHOD = re.compile(r"[a-z]+(\.[A-Za-z]+)+")
FILE_UPLOAD = "file_upload"


def method_of(url: str) -> str:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last if _METHOD.fullmatch(last) else FILE_UPLOAD


def call_outcome(error: BaseException | None) -> str:
    """The outcome class of a call that raised `error` (None: it succeeded)."""
    if error is None:
        return "ok"
    if isinstance(error, SlackApiError):
        status = error.response.status_code if error.response is not None else 0
        return _status_outcome(status) or "error"
    lost = isinstance(error, OSError | TimeoutError | aiohttp.ClientError)
    return "connection_error" if lost else "error"


def _status_outcome(status: int) -> str | None:
    if status == 429:
        return "ratelimited"
    if status >= 500:
        return "server_error"
    return None


def answer_outcome(response: HttpResponse | None, error: Exception | None) -> str:
    if response is None:
        return "connection_error" if error is None else call_outcome(error)
    by_status = _status_outcome(response.status_code)
    if by_status is not None:
        return by_status
    body = response.body
    return "error" if isinstance(body, dict) and body.get("ok") is False else "ok"


class ObservedCalls(AsyncRetryHandler):
    """Counts every attempt at a Slack call, by method and outcome; never retries."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self._metrics = metrics

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        self._metrics.slack_api_call(method_of(request.url), answer_outcome(response, error))
        return False


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
        self._metrics.slack_api_retry(method_of(request.url), self._reason)
        await self._inner.prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


def observed(handlers: list[AsyncRetryHandler], metrics: Metrics) -> list[AsyncRetryHandler]:
    """`handlers`, each counting its re-sends, behind a first one counting every attempt."""
    return [ObservedCalls(metrics), *(CountedRetries(h, metrics=metrics) for h in handlers)]
