"""JSON in and out of the REST API, and the one place its errors become responses.

Every problem with a request body is a 422 listing `{"field", "reason"}` pairs — the same shape
for a bad JSON document, a pydantic rejection and a domain error — so a producer's log names
exactly what to fix. Nothing from an exception other than those reasons reaches the caller, and
rejected input values are never echoed.
"""

from __future__ import annotations

import functools
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.core.errors import DomainError, IncidentClosed, IncidentNotFound, InvalidInput
from bot.core.forms import FieldError, validation_errors
from bot.observability.request_id import reference as request_reference

log = logging.getLogger(__name__)

# A batch of 1000 changes with attributes fits with room to spare; Alertmanager's largest
# groups (5000 alerts) do too.
MAX_BODY_BYTES = 5_000_000


class ApiError(Exception):
    """A response to give instead of going on."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"error": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return JSONResponse(body, status_code=self.status, headers=self.headers)


def invalid(errors: list[FieldError]) -> ApiError:
    first = errors[0] if errors else {"field": "body", "reason": "invalid"}
    message = f"{first['field']}: {first['reason']}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ApiError(422, message, errors=errors)


def invalid_field(field: str, reason: str) -> ApiError:
    return invalid([{"field": field, "reason": reason}])


async def read_body(request: Request, *, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body (signatures are computed on exactly these bytes), refused past `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"the body is larger than {limit} bytes")
    return bytes(body)


# Incident numbers are 32-bit on PostgreSQL; a larger one names no incident.
INCIDENT_NUMBER_MAX = 2**31 - 1


def incident_number(request: Request) -> int:
    """The `{number}` of the path, or a 404 for one no incident can have."""
    number: int = request.path_params["number"]
    if not 1 <= number <= INCIDENT_NUMBER_MAX:
        raise ApiError(404, "there is no incident with that number")
    return number


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


# Far deeper than any payload the API takes; deep enough nesting would exhaust the stack.
MAX_JSON_DEPTH = 64


def _unstorable_text(document: object) -> FieldError | None:
    """The first string (or key) no database can store: NUL, which PostgreSQL refuses in text,
    or half of a surrogate pair, which is not UTF-8. Found by its place in the document."""
    pending: deque[tuple[str, object]] = deque([("body", document)])
    while pending:
        place, node = pending.popleft()
        texts: list[tuple[str, str]] = []
        if isinstance(node, str):
            texts.append((place, node))
        elif isinstance(node, dict):
            for key, value in node.items():
                child = key if place == "body" else f"{place}.{key}"
                texts.append((child, key))
                pending.append((child, value))
        elif isinstance(node, list):
            pending.extend(
                (str(index) if place == "body" else f"{place}.{index}", value)
                for index, value in enumerate(node)
            )
        for where, text in texts:
            if "\x00" in text:
                return {"field": where, "reason": "must not contain the NUL character"}
            if not text.isascii():
                try:
                    text.encode()
                except UnicodeEncodeError:
                    return {"field": where, "reason": "is not valid Unicode (a lone surrogate)"}
    return None


def _deeper_than(document: object, limit: int) -> bool:
    level: list[object] = [document]
    for _ in range(limit + 1):
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return False
    return True


def parse_json(body: bytes) -> object:
    if not body.strip():
        raise invalid_field("body", "the body is empty; send a JSON object")
    too_deep = invalid_field("body", f"JSON nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        document = json.loads(body, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise invalid_field(
            "body", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise too_deep from None
    except ValueError as exc:  # not UTF-8, or NaN / Infinity
        reason = str(exc) if "JSON number" in str(exc) else "not UTF-8 text"
        raise invalid_field("body", reason) from None
    if _deeper_than(document, MAX_JSON_DEPTH):
        raise too_deep
    unstorable = _unstorable_text(document)
    if unstorable is not None:
        raise invalid([unstorable])
    return document


Endpoint = Callable[[Request], Awaitable[Response]]


async def answered(request: Request, work: Callable[[], Awaitable[Response]]) -> Response:
    """The response `work` gives, or the one for what it raised."""
    try:
        return await work()
    except ApiError as error:
        return error.response()
    except ValidationError as exc:
        return invalid(validation_errors(exc)).response()
    except InvalidInput as error:
        return invalid_field(error.field, error.reason).response()
    except IncidentNotFound as error:
        return ApiError(404, error.message).response()
    except IncidentClosed as error:
        return ApiError(409, error.message).response()
    except DomainError as error:
        return ApiError(409, error.message).response()
    except Exception:
        reference = request_reference()  # the request's id, on all its log records
        log.exception("REST API error (ref %s) on %s", reference, request.url.path)
        return ApiError(500, f"internal error (reference {reference})").response()


def endpoint(handler: Endpoint) -> Endpoint:
    """Turn what a handler raises into the API's error responses."""

    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        return await answered(request, lambda: handler(request))

    return run
