"""Every HTTP request gets an id (in its log records, its error reference and `X-Request-Id`)
and is counted by route template and status."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.observability.metrics import Metrics
from bot.observability.request_id import request_scope

UNMATCHED = "unmatched"  # any path no route has: one series, however many are tried


class ObservedRequests:
    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute], metrics: Metrics) -> None:
        self._app = app
        self._routes = routes
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        status = 500  # what the server answers when the app raises before responding

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        with request_scope() as request_id:
            try:
                await self._app(scope, receive, send_observed)
            finally:
                self._metrics.http_request(self._template(scope), status)

    def _template(self, scope: Scope) -> str:
        partial = UNMATCHED  # the path matched, the method did not (a 405)
        for route in self._routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return str(getattr(route, "path", UNMATCHED))
            if match is Match.PARTIAL and partial == UNMATCHED:
                partial = str(getattr(route, "path", UNMATCHED))
        return partial
