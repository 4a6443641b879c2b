"""`POST /api/v1/incidents` (open one from automation) and the read API for incidents.

Opening goes through IncidentService.declare, the path the Slack modal takes: the channel, the
invitations, the pinned card, the announcement and the what-changed digest all follow. With an
`Idempotency-Key` header (or an `idempotency_key` field) a retried call returns the incident the
first one opened (200 instead of 201) and opens no second channel. A signed call needs no key:
a replay of its `webhook-id` gets the first answer (bot/api/replay.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.api.auth import ApiAuth
from bot.api.json_io import endpoint, incident_number, invalid_field, parse_json, read_body
from bot.api.replay import answer_once
from bot.core.changes.model import parse_zoned_time
from bot.core.incidents.model import Category, DeclareInput, HowDetected, Incident, Severity
from bot.core.timeline import TimelineEvent

if TYPE_CHECKING:
    from bot.deps import Deps

IDEMPOTENCY_HEADER = "idempotency-key"
IDEMPOTENCY_KEY_MAX = 200
# Kept apart from the modal's and Alertmanager's keys, so no producer can collide with them.
_DECLARE_KEY_PREFIX = "api:"
_SIGNED_KEY_PREFIX = "api-signed:"


class OpenIncidentIn(BaseModel):
    """What automation sends to open an incident. Unknown fields are refused by name."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=150)
    severity: Severity = Severity.S2
    # A machine that opens an incident has usually seen drift nobody has complained about yet.
    category: Category = Category.SILENT_DRIFT
    ai_feature: str | None = Field(default=None, max_length=150)
    how_detected: HowDetected = HowDetected.DASHBOARD_ALERT
    regression_started_at: datetime | None = None
    description: str | None = Field(default=None, max_length=3000)
    runbook: str = Field(default="default", min_length=1, max_length=100)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=IDEMPOTENCY_KEY_MAX)
    private: bool = False

    @field_validator("severity", mode="before")
    @classmethod
    def _severity_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("category", "how_detected", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("ai_feature", "description", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("regression_started_at", mode="before")
    @classmethod
    def _zoned(cls, value: object) -> object:
        return None if value is None else parse_zoned_time(value)

    @field_validator("idempotency_key")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and not value.isprintable():
            raise ValueError("must not contain control characters")
        return value


def incident_json(incident: Incident) -> dict[str, Any]:
    """An incident as the API shows it (its declare key is internal bookkeeping)."""
    return incident.model_dump(mode="json", exclude={"declare_key"})


def event_json(event: TimelineEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")


def _declare_key(request: Request, data: OpenIncidentIn, delivery: str | None) -> str | None:
    """The caller's idempotency key, else the signed delivery's id: a retry after a crash that
    left the first answer unremembered finds the incident instead of opening a second one."""
    header = request.headers.get(IDEMPOTENCY_HEADER, "").strip() or None
    if header is not None and (len(header) > IDEMPOTENCY_KEY_MAX or not header.isprintable()):
        raise invalid_field("Idempotency-Key", f"1 to {IDEMPOTENCY_KEY_MAX} printable characters")
    if header and data.idempotency_key and header != data.idempotency_key:
        raise invalid_field(
            "idempotency_key", "differs from the Idempotency-Key header; send one or the same"
        )
    key = header or data.idempotency_key
    if key:
        return _DECLARE_KEY_PREFIX + key
    return _SIGNED_KEY_PREFIX + delivery if delivery else None


def routes(deps: Deps) -> list[Route]:
    auth = ApiAuth.from_settings(deps.settings)

    @endpoint
    async def open_incident(request: Request) -> Response:
        body = await read_body(request)
        delivery = auth.check_write(request, body)

        async def declare() -> Response:
            data = OpenIncidentIn.model_validate(parse_json(body))
            if data.regression_started_at and data.regression_started_at > deps.clock.now():
                raise invalid_field(
                    "regression_started_at", "the regression cannot start in the future"
                )
            if data.runbook not in deps.runbooks:
                known = ", ".join(deps.runbooks.names())
                raise invalid_field("runbook", f"unknown runbook; use one of: {known}")
            incident, created = await deps.incidents.declare(
                DeclareInput(
                    title=data.title,
                    severity=data.severity,
                    category=data.category,
                    ai_feature=data.ai_feature,
                    how_detected=data.how_detected,
                    regression_started_at=data.regression_started_at,
                    description=data.description,
                    runbook=data.runbook,
                    idempotency_key=_declare_key(request, data, delivery),
                    private=data.private,
                )
            )
            return JSONResponse(
                incident_json(incident),
                status_code=201 if created else 200,
                headers={"Location": f"/api/v1/incidents/{incident.number}"},
            )

        return await answer_once(deps.deliveries, delivery, request, body, declare)

    @endpoint
    async def list_incidents(request: Request) -> Response:
        auth.check_read(request)
        incidents = await deps.incidents.list_open()
        return JSONResponse({"incidents": [incident_json(incident) for incident in incidents]})

    @endpoint
    async def get_incident(request: Request) -> Response:
        auth.check_read(request)
        incident = await deps.incidents.get(incident_number(request))
        return JSONResponse(incident_json(incident))

    @endpoint
    async def get_timeline(request: Request) -> Response:
        auth.check_read(request)
        incident = await deps.incidents.get(incident_number(request))
        events = await deps.incidents.timeline(incident.number or 0)
        return JSONResponse(
            {"incident": incident.number, "events": [event_json(event) for event in events]}
        )

    return [
        Route("/api/v1/incidents", open_incident, methods=["POST"]),
        Route("/api/v1/incidents", list_incidents, methods=["GET"]),
        Route("/api/v1/incidents/{number:int}", get_incident, methods=["GET"]),
        Route("/api/v1/incidents/{number:int}/timeline", get_timeline, methods=["GET"]),
    ]
