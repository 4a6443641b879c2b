"""Regression cases and gate runs over REST.

- `POST /api/v1/incidents/{n}/cases`: one failing example from automation (a trace tool's
  export), the fields of the case form. 201 with the case; the same input and expected behaviour
  again is the same case: 200 with it, nothing new stored.
- `GET /api/v1/incidents/{n}/cases`: the cases, each with the last gate verdict on it.
- `GET /api/v1/incidents/{n}/cases.jsonl`: one self-describing case per line (the format a
  plain JSONL runner reads); the cases count as exported from then on.
- `POST /api/v1/eval-runs`: what a CI gate says, per case id (a list of verdicts, a promptfoo
  result file, or a JSONL result file). 201 with what it means for each incident.

Writes are signed (Standard Webhooks) or carry the bearer token, and a replayed delivery gets
the first answer; reads take the bearer token, like the incident reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.api.auth import ApiAuth
from bot.api.json_io import endpoint, incident_number, invalid, parse_json, read_body
from bot.api.replay import answer_once
from bot.core.cases.forms import CaseInput, EvalRunInput
from bot.core.cases.model import CaseSource, CaseView, EvalRun
from bot.core.cases.service import ExportFormat
from bot.core.forms import FormInvalid

if TYPE_CHECKING:
    from bot.deps import Deps

_CASE_FIELDS = frozenset(CaseInput.model_fields)
_RUN_FIELDS = frozenset({"suite", "commit", "url", "results", "promptfoo", "jsonl"})


def case_json(view: CaseView) -> dict[str, Any]:
    case = view.case
    return {
        **case.model_dump(mode="json"),
        "attributes": case.versions.attributes(),
        "in_eval_set": case.in_eval_set,
        "last_verdict": view.last.model_dump(mode="json") if view.last else None,
    }


def run_json(run: EvalRun) -> dict[str, Any]:
    return run.model_dump(mode="json", exclude={"verdicts"})


def _object(document: object, known: frozenset[str]) -> Mapping[str, Any]:
    """The body as an object with no field this endpoint does not take: a misspelt field
    (`expected_output`) would otherwise be dropped without a word."""
    if not isinstance(document, Mapping):
        raise invalid([{"field": "body", "reason": "must be a JSON object"}])
    unknown = sorted(str(name) for name in document if name not in known)
    if unknown:
        raise invalid(
            [{"field": name, "reason": "is not a field this endpoint takes"} for name in unknown]
        )
    return document


def _refused(error: FormInvalid) -> Exception:
    return invalid([{"field": name, "reason": reason} for name, reason in error.errors.items()])


def routes(deps: Deps) -> list[Route]:
    auth = ApiAuth.from_settings(deps.settings)

    @endpoint
    async def add_case(request: Request) -> Response:
        number = incident_number(request)
        body = await read_body(request)
        delivery = auth.check_write(request, body)

        async def capture() -> Response:
            form = CaseInput.model_validate(_object(parse_json(body), _CASE_FIELDS))
            captured = await deps.cases.capture(
                number=number, actor=None, form=form, source=CaseSource.API
            )
            assert captured is not None  # no submission key was given, so it cannot be a repeat
            return JSONResponse(
                case_json(captured.view),
                status_code=201 if captured.created else 200,
                headers={"Location": f"/api/v1/incidents/{number}/cases"},
            )

        return await answer_once(deps.deliveries, delivery, request, body, capture)

    @endpoint
    async def list_cases(request: Request) -> Response:
        auth.check_read(request)
        number = incident_number(request)
        views = await deps.cases.list(number)
        return JSONResponse({"incident": number, "cases": [case_json(view) for view in views]})

    @endpoint
    async def export_jsonl(request: Request) -> Response:
        auth.check_read(request)
        text = await deps.cases.export(incident_number(request), ExportFormat.JSONL)
        return Response(text, media_type="application/x-ndjson; charset=utf-8")

    @endpoint
    async def add_run(request: Request) -> Response:
        body = await read_body(request)
        delivery = auth.check_write(request, body)

        async def record() -> Response:
            form = EvalRunInput.model_validate(_object(parse_json(body), _RUN_FIELDS))
            try:
                recorded = await deps.cases.record_run(form)
            except FormInvalid as error:
                raise _refused(error) from None
            verdicts = {v.case_key: v.passed for v in recorded.run.verdicts}
            incidents = []
            for number in recorded.incidents:
                keys = [view.case.key for view in await deps.cases.list(number)]
                ran = [key for key in keys if key in verdicts]
                incidents.append(
                    {
                        "incident": number,
                        "cases": len(keys),
                        "run": len(ran),
                        "passed": sum(1 for key in ran if verdicts[key]),
                        "failing": [key for key in ran if not verdicts[key]],
                    }
                )
            return JSONResponse(
                {**run_json(recorded.run), "verdicts": len(verdicts), "incidents": incidents},
                status_code=201,
            )

        return await answer_once(deps.deliveries, delivery, request, body, record)

    return [
        Route("/api/v1/incidents/{number:int}/cases", add_case, methods=["POST"]),
        Route("/api/v1/incidents/{number:int}/cases", list_cases, methods=["GET"]),
        Route("/api/v1/incidents/{number:int}/cases.jsonl", export_jsonl, methods=["GET"]),
        Route("/api/v1/eval-runs", add_run, methods=["POST"]),
    ]
