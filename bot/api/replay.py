"""A signed delivery is answered once: a replayed `webhook-id` gets the first answer again.

The first delivery's answer (status and body) is remembered under its id once the work is done
(bot/core/webhook_deliveries.py says why a crash in between does no work twice). A replay of the
same request gets that answer and runs nothing; the same id on a different request is a 409.
Answers of 5xx are not remembered, so a retry after a server-side failure can still succeed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from bot.api.json_io import ApiError, answered
from bot.core.webhook_deliveries import RememberedAnswer, WebhookDeliveryLog

REPLAYED_HEADER = "Webhook-Replayed"


def _request_digest(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (
        request.method.encode(),
        str(request.url.path).encode(),
        request.url.query.encode(),
        body,
    ):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _replayed(answer: RememberedAnswer) -> Response:
    return Response(
        answer.body,
        status_code=answer.status,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


async def answer_once(
    log: WebhookDeliveryLog,
    delivery_id: str | None,
    request: Request,
    body: bytes,
    work: Callable[[], Awaitable[Response]],
) -> Response:
    """What `work` answers; for a delivery id already answered, that answer without the work."""
    if delivery_id is None:
        return await answered(request, work)
    digest = _request_digest(request, body)
    earlier = await log.recall(delivery_id)
    if earlier is None:
        response = await answered(request, work)
        if response.status_code >= 500:
            return response
        fresh = RememberedAnswer(
            request_digest=digest, status=response.status_code, body=bytes(response.body).decode()
        )
        earlier = await log.remember(delivery_id, fresh)
        if earlier is fresh:
            return response
    if earlier.request_digest != digest:
        return ApiError(
            409, "this webhook-id was already used for a different request; give each its own"
        ).response()
    return _replayed(earlier)
