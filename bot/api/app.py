"""The Starlette application: routes, and start-up/shutdown of the background parts."""

from __future__ import annotations

import contextlib
import gc
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.api.observed import ObservedRequests
from bot.api.postmortem import routes as postmortem_routes
from bot.api.readiness import DatabaseReadiness, ReadinessCheck, SlackReadiness
from bot.api.rest import routes as rest_routes
from bot.api.slack_events import SlackEventsEndpoint
from bot.config import Settings
from bot.core.incidents.model import Severity
from bot.observability.metrics import Metrics
from bot.scheduler import start_ticks
from bot.slack.projector import Projector

if TYPE_CHECKING:
    from bot.deps import Deps


# The collector's youngest generation is collected every this many net allocations (Python's
# default is 700): a request allocates thousands of objects, so the default collects several
# times per request, on the event loop every other request waits for.
GC_GEN0_THRESHOLD = 10_000
_gc_tuned = False


def tune_gc() -> None:
    """Once per process, after start-up: move everything loaded so far (modules, the app, the
    runbooks) out of the collector's sight (gc.freeze), so a full collection scans only what
    requests made, and collect the young generation less often."""
    global _gc_tuned
    if _gc_tuned:
        return
    _gc_tuned = True
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(max(GC_GEN0_THRESHOLD, gc.get_threshold()[0]), older, oldest)


def create_http_app(
    settings: Settings,
    deps: Deps,
    bolt: AsyncApp,
    *,
    engine: AsyncEngine,
    projector: Projector,
    metrics: Metrics,
    readiness: Sequence[ReadinessCheck] = (),
) -> Starlette:
    """`readiness` is read at each probe: a list the caller appends to later (the Socket Mode
    runner's "connected") counts too."""
    secret = settings.slack_signing_secret
    slack_events = SlackEventsEndpoint(
        bolt, signing_secret=secret.get_secret_value() if secret else None, metrics=metrics
    )
    database = DatabaseReadiness(engine)
    slack = SlackReadiness(deps.slack)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        problem = await database.problem() or await slack.problem()
        problem = problem or next((p for p in (check() for check in readiness) if p), None)
        if problem is not None:
            return JSONResponse({"status": "not ready", "reason": problem}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def open_by_severity() -> dict[str, int]:
        return dict(Counter(i.severity.value for i in await deps.incidents.list_open()))

    async def metrics_page(request: Request) -> Response:
        page = await metrics.scrape(
            open_by_severity=open_by_severity,
            severities=[severity.value for severity in Severity],
            lag=projector.outbox.lag,
        )
        return Response(page, media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        tune_gc()
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
            await slack.aclose()

    routes = [
        Route("/slack/events", slack_events.handle, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
        *rest_routes(deps),
        *postmortem_routes(deps),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(ObservedRequests, routes=routes, metrics=metrics)],
        lifespan=lifespan,
    )
