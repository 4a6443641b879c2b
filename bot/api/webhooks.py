"""`POST /api/v1/webhooks/alertmanager` and `POST /api/v1/webhooks/langfuse`.

Both authenticate like every POST (bearer token or a Standard Webhooks signature); Langfuse may
instead sign with its own `x-langfuse-signature` (AI_INCIDENT_LANGFUSE_WEBHOOK_SECRET), and then
needs no token. A replayed signed delivery gets the first answer and changes nothing.

Langfuse takes two optional query parameters, because its webhook form has a URL but no other
place for them:
`labels=production,staging` (the deployment labels whose moves are prompt changes; default
`production`) and `langfuse_url=https://cloud.langfuse.com` (to link each change to its prompt).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.api.auth import ApiAuth
from bot.api.changes import change_json
from bot.api.incidents import incident_json
from bot.api.json_io import endpoint, invalid_field, parse_json, read_body
from bot.api.replay import answer_once
from bot.core.changes.langfuse import DEFAULT_WATCHED_LABELS
from bot.core.changes.model import check_http_url

if TYPE_CHECKING:
    from bot.deps import Deps

_LABEL_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")
_MAX_LABELS = 10


def _watched_labels(request: Request) -> tuple[str, ...]:
    raw = request.query_params.get("labels", "").strip()
    if not raw:
        return DEFAULT_WATCHED_LABELS
    labels = tuple(label.strip() for label in raw.split(",") if label.strip())
    if not labels or len(labels) > _MAX_LABELS:
        raise invalid_field("labels", f"give 1 to {_MAX_LABELS} comma-separated label names")
    for label in labels:
        if not _LABEL_SHAPE.fullmatch(label):
            raise invalid_field("labels", "label names are letters, digits and . _ - (up to 50)")
    return labels


def _langfuse_url(request: Request) -> str | None:
    raw = request.query_params.get("langfuse_url", "").strip()
    if not raw:
        return None
    if not raw.isprintable():
        raise invalid_field("langfuse_url", "must not contain control characters")
    try:
        return check_http_url(raw)
    except ValueError as exc:
        raise invalid_field("langfuse_url", str(exc)) from None


def routes(deps: Deps) -> list[Route]:
    auth = ApiAuth.from_settings(deps.settings)

    @endpoint
    async def alertmanager(request: Request) -> Response:
        body = await read_body(request)
        delivery = auth.check_write(request, body)

        async def take_alerts() -> Response:
            outcome = await deps.webhooks.alertmanager(parse_json(body))
            return JSONResponse(
                {
                    "alerts": outcome.alerts,
                    "timeline_events_added": outcome.added,
                    "incident": incident_json(outcome.incident) if outcome.incident else None,
                    "opened": outcome.opened,
                    "truncated_alerts": outcome.truncated_alerts,
                }
            )

        return await answer_once(deps.deliveries, delivery, request, body, take_alerts)

    @endpoint
    async def langfuse(request: Request) -> Response:
        body = await read_body(request)
        delivery = auth.check_langfuse(request, body)

        async def take_event() -> Response:
            labels, base_url = _watched_labels(request), _langfuse_url(request)
            outcome = await deps.webhooks.langfuse(
                parse_json(body), watched_labels=labels, langfuse_url=base_url
            )
            return JSONResponse(
                {
                    "recorded": outcome.change is not None,
                    "reason": outcome.reason,
                    "change": change_json(outcome.change) if outcome.change else None,
                }
            )

        return await answer_once(deps.deliveries, delivery, request, body, take_event)

    return [
        Route("/api/v1/webhooks/alertmanager", alertmanager, methods=["POST"]),
        Route("/api/v1/webhooks/langfuse", langfuse, methods=["POST"]),
    ]
