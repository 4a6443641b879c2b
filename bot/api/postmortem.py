"""`GET /api/v1/incidents/{number}/postmortem.md` and `.../postmortem.json`.

The stored postmortem of a closed incident, or, while it runs, a draft compiled from what is
recorded so far (nothing is stored then). The `X-Postmortem` header says which — `stored` or
`draft` — so a dashboard never mistakes a draft for the record. Bearer
`AI_INCIDENT_API_TOKEN`, like the other reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.api.auth import ApiAuth
from bot.api.json_io import endpoint, incident_number
from bot.core.postmortem.reader import PostmortemDocument

if TYPE_CHECKING:
    from bot.deps import Deps

STATE_HEADER = "X-Postmortem"


def _headers(document: PostmortemDocument) -> dict[str, str]:
    return {
        STATE_HEADER: "stored" if document.stored else "draft",
        "Last-Modified": document.postmortem.compiled_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    }


def routes(deps: Deps) -> list[Route]:
    auth = ApiAuth.from_settings(deps.settings)

    @endpoint
    async def markdown(request: Request) -> Response:
        auth.check_read(request)
        document = await deps.postmortems.document(incident_number(request))
        return Response(
            document.postmortem.markdown,
            media_type="text/markdown; charset=utf-8",
            headers=_headers(document),
        )

    @endpoint
    async def json_form(request: Request) -> Response:
        auth.check_read(request)
        document = await deps.postmortems.document(incident_number(request))
        return JSONResponse(document.postmortem.data, headers=_headers(document))

    return [
        Route("/api/v1/incidents/{number:int}/postmortem.md", markdown, methods=["GET"]),
        Route("/api/v1/incidents/{number:int}/postmortem.json", json_form, methods=["GET"]),
    ]
