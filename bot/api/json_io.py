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
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.core.errors import DomainError, IncidentClosed, IncidentNotFound, InvalidInput
from bot.core.forms import FieldError, validation_errors

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
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"the body is larger than {limit} bytes")
    return bytes(body)


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(body: bytes) -> object:
    if not body.strip():
        raise invalid_field("body", "the body is empty; send a JSON object")
    try:
        return json.loads(body, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise invalid_field(
            "body", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError as exc:  # not UTF-8, or NaN / Infinity
        reason = str(exc) if "JSON number" in str(exc) else "not UTF-8 text"
        raise invalid_field("body", reason) from None


Endpoint = Callable[[Request], Awaitable[Response]]


def endpoint(handler: Endpoint) -> Endpoint:
    """Turn what a handler raises into the API's error responses."""

    @functools.wraps(handler)
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
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
            reference = uuid.uuid4().hex[:8]
            log.exception("REST API error (ref %s) on %s", reference, request.url.path)
            return ApiError(500, f"internal error (reference {reference})").response()

    return run
