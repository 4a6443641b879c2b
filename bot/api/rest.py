"""The REST API's routes (JSON under /api/v1): change ingestion, webhooks, incidents, cases."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from bot.api import cases, changes, incidents, webhooks

if TYPE_CHECKING:
    from bot.deps import Deps


def routes(deps: Deps) -> list[Route]:
    return [
        *changes.routes(deps),
        *webhooks.routes(deps),
        *incidents.routes(deps),
        *cases.routes(deps),
    ]
