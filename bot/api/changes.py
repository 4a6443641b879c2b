"""`POST /api/v1/changes` (record one change or a batch) and `GET /api/v1/changes` (the ledger).

A batch is validated whole before anything is written and stored in one transaction: a 422
leaves the ledger as it was. A retry answers exactly as the first call did — the ledger's
version of each change, with its id — whether or not this call stored anything.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.api.auth import ApiAuth
from bot.api.json_io import endpoint, invalid_field, parse_json, read_body
from bot.api.replay import answer_once
from bot.core.changes.model import (
    SERVICE_MAX,
    Change,
    ChangeKind,
    parse_change_payload,
    parse_zoned_time,
)

if TYPE_CHECKING:
    from bot.deps import Deps

DEFAULT_LIST_DAYS = 7
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


def change_json(change: Change) -> dict[str, Any]:
    """A change as the API shows it: its ledger fields and the axis its kind points at."""
    return {**change.model_dump(mode="json"), "axis": change.axis.value}


def _time_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    candidates = [raw]
    if " " in raw:
        # An unencoded "+01:00" arrives as " 01:00": a form decoder's reading of "+".
        head, _, tail = raw.rpartition(" ")
        candidates.append(f"{head}+{tail}")
    reason = ""
    for candidate in candidates:
        try:
            return parse_zoned_time(candidate)
        except ValueError as exc:
            reason = str(exc)
    raise invalid_field(name, f"{reason} (in a URL, write + as %2B, or use Z)")


def _days_before(moment: datetime, days: int) -> datetime:
    try:
        return moment - timedelta(days=days)
    except OverflowError:  # `until` in the first days of the calendar
        return datetime.min.replace(tzinfo=UTC)


def _kinds_param(request: Request) -> list[ChangeKind] | None:
    words = [
        word.strip().lower()
        for value in request.query_params.getlist("kind")
        for word in value.split(",")
        if word.strip()
    ]
    if not words:
        return None
    known = ", ".join(kind.value for kind in ChangeKind)
    kinds: list[ChangeKind] = []
    for word in words:
        if word not in ChangeKind.__members__.values():
            raise invalid_field("kind", f"unknown kind {word[:40]!r}; use {known}")
        kinds.append(ChangeKind(word))
    return kinds


def _limit_param(request: Request) -> int:
    raw = request.query_params.get("limit", "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise invalid_field("limit", f"give a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def routes(deps: Deps) -> list[Route]:
    auth = ApiAuth.from_settings(deps.settings)

    @endpoint
    async def post_changes(request: Request) -> Response:
        body = await read_body(request)
        delivery = auth.check_write(request, body)

        async def record() -> Response:
            items = parse_change_payload(parse_json(body))  # raises before anything is stored
            recorded = await deps.changes.record([item.to_change() for item in items])
            return JSONResponse({"changes": [change_json(change) for change in recorded.changes]})

        return await answer_once(deps.deliveries, delivery, request, body, record)

    @endpoint
    async def list_changes(request: Request) -> Response:
        auth.check_read(request)
        until = _time_param(request, "until") or deps.clock.now()
        since = _time_param(request, "since") or _days_before(until, DEFAULT_LIST_DAYS)
        if since > until:
            raise invalid_field("since", "must not be later than until")
        service = request.query_params.get("service", "").strip() or None
        if service is not None and len(service) > SERVICE_MAX:
            raise invalid_field("service", f"at most {SERVICE_MAX} characters")
        if service is not None and not service.isprintable():
            raise invalid_field("service", "must not contain control characters")
        page = await deps.changes.list_changes(
            since=since,
            until=until,
            service=service,
            kinds=_kinds_param(request),
            limit=_limit_param(request),
        )
        return JSONResponse(
            {
                "since": since.isoformat(),
                "until": until.isoformat(),
                "count": len(page.changes),
                "truncated": page.truncated,
                "changes": [change_json(change) for change in page.changes],
            }
        )

    return [
        Route("/api/v1/changes", post_changes, methods=["POST"]),
        Route("/api/v1/changes", list_changes, methods=["GET"]),
    ]
