"""The Starlette application: routes, and start-up/shutdown of the background parts."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from slack_bolt.async_app import AsyncApp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.api.postmortem import routes as postmortem_routes
from bot.api.rest import routes as rest_routes
from bot.api.slack_events import SlackEventsEndpoint
from bot.config import Settings
from bot.scheduler import start_ticks
from bot.slack.projector import Projector
from storage.migrate import SchemaError, check_schema_current

if TYPE_CHECKING:
    from bot.deps import Deps


def create_http_app(
    settings: Settings, deps: Deps, bolt: AsyncApp, *, engine: AsyncEngine, projector: Projector
) -> Starlette:
    secret = settings.slack_signing_secret
    slack_events = SlackEventsEndpoint(
        bolt, signing_secret=secret.get_secret_value() if secret else None
    )

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            await check_schema_current(settings.database_url)
        except SchemaError as exc:
            return JSONResponse({"status": "not ready", "reason": str(exc)}, status_code=503)
        except Exception:
            return JSONResponse(
                {"status": "not ready", "reason": "database unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ready"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Effects a crash (or a Slack outage) left behind are performed now, not at the sweep.
        projector.kick()
        scheduler = start_ticks(
            {
                "reminder-tick": (deps.reminders.tick, settings.reminder_tick_seconds),
                "projector-sweep": (projector.drain, settings.projector_sweep_seconds),
                # Hourly unless the sweep is off (tests and the demo leave both off).
                "outbox-prune": (
                    projector.outbox.prune,
                    3600.0 if settings.projector_sweep_seconds > 0 else 0.0,
                ),
            }
        )
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)

    return Starlette(
        routes=[
            Route("/slack/events", slack_events.handle, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *rest_routes(deps),
            *postmortem_routes(deps),
        ],
        lifespan=lifespan,
    )
