"""The emulator's HTTP face: the Web API, response URLs, file uploads and downloads.

Requests are decoded the way Slack accepts them (query string, form or JSON body; the token as
`Authorization: Bearer` or a `token` argument), planned faults answer first (an ambiguous one right
after the work), and the method runs with the workspace locked. Every request is recorded, tokens
never are.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute

from slack_sandbox import response_urls
from slack_sandbox.errors import ApiError
from slack_sandbox.faults import Failure, FaultPlan
from slack_sandbox.methods import METHODS
from slack_sandbox.methods import files as files_api
from slack_sandbox.params import Params
from slack_sandbox.socket_mode import LINK_PATH, OPEN_CONNECTION, SocketModeHub
from slack_sandbox.state import JsonDict
from slack_sandbox.workspace import Workspace

_JSON_PARAMS = ("blocks", "view", "files", "attachments", "metadata")


def build_app(
    ws: Workspace, faults: FaultPlan, token: str, socket_mode: SocketModeHub
) -> Starlette:
    handlers = _Handlers(ws, faults, token, socket_mode)
    return Starlette(
        routes=[
            Route("/api/{method}", handlers.api, methods=["GET", "POST"]),
            WebSocketRoute(LINK_PATH, socket_mode.serve),
            Route("/response/{hook_id}", handlers.response_url, methods=["POST"]),
            Route("/upload/{file_id}", handlers.upload, methods=["POST"]),
            Route("/files/{file_id}/{name}", handlers.download, methods=["GET"]),
        ]
    )


@dataclass(frozen=True)
class _Outcome:
    """What the emulator did with a request: the body to record, its status, the response."""

    body: JsonDict
    status: int
    response: Response


class _Handlers:
    def __init__(
        self, ws: Workspace, faults: FaultPlan, token: str, socket_mode: SocketModeHub
    ) -> None:
        self._ws = ws
        self._faults = faults
        self._token = token
        self._socket_mode = socket_mode

    def _authorized(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self._token.encode())

    async def _serve(self, method: str, params: JsonDict, work: Callable[[], _Outcome]) -> Response:
        """Run `work` (under the workspace lock) unless a planned fault answers first.

        A failure planned before the work answers instead of it; one planned after the work
        (`after_work`) lets it happen and then replaces its answer, which the call record keeps
        as `lost_answer` so a test can see what the app never learned.
        """
        seconds = self._faults.next_delay(method)
        if seconds > 0:
            await asyncio.sleep(seconds)
        failure = self._faults.next_failure(method)
        if failure is not None and not failure.after_work:
            body: JsonDict = {"ok": False, "error": failure.error}
            with self._ws.lock:
                self._ws.record_call(
                    method, params, body, status=failure.status, injected=True, performed=False
                )
            return _failure_response(failure, body)
        with self._ws.lock:
            outcome = work()
            if failure is None:
                self._ws.record_call(method, params, outcome.body, status=outcome.status)
                return outcome.response
            body = {"ok": False, "error": failure.error}
            self._ws.record_call(
                method,
                params,
                body,
                status=failure.status,
                injected=True,
                lost_answer=outcome.body,
            )
        return _failure_response(failure, body)

    async def api(self, request: Request) -> Response:
        method = request.path_params["method"]
        values, token = await _read_api_request(request)
        params = _recordable(values)

        def work() -> _Outcome:
            handler = METHODS.get(method)
            body: JsonDict
            if method == OPEN_CONNECTION:  # the one method that takes the app-level token
                try:
                    body = {"ok": True, **self._socket_mode.open_connection(token)}
                except ApiError as exc:
                    return _Outcome(
                        error_body(exc), exc.status, JSONResponse(error_body(exc), exc.status)
                    )
            elif handler is None:
                body = {"ok": False, "error": "unknown_method"}
            elif not self._authorized(token):
                body = {"ok": False, "error": "invalid_auth"}
            else:
                try:
                    body = {"ok": True, **handler(self._ws, Params(values))}
                except ApiError as exc:
                    body = error_body(exc)
                    self._ws.reject(method, exc, params)
            return _Outcome(body, 200, JSONResponse(body))

        return await self._serve(method, params, work)

    async def response_url(self, request: Request) -> Response:
        raw = await request.body()
        payload = _decode_hook_body(raw, request.headers.get("content-type", ""))
        params = payload if isinstance(payload, dict) else {"body": raw.decode(errors="replace")}
        hook_id = request.path_params["hook_id"]

        def work() -> _Outcome:
            try:
                response_urls.deliver(self._ws, hook_id, payload)
            except ApiError as exc:
                self._ws.reject("response_url", exc, params)
                body = error_body(exc)
                status = exc.status if exc.status != 200 else 400
                return _Outcome(body, status, JSONResponse(body, status_code=status))
            return _Outcome({"ok": True}, 200, JSONResponse({"ok": True}))

        return await self._serve("response_url", params, work)

    async def upload(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        content = await request.body()
        params: JsonDict = {"file_id": file_id, "size": len(content)}

        def work() -> _Outcome:
            try:
                files_api.receive_upload(self._ws, file_id, content)
            except ApiError as exc:
                response = PlainTextResponse(exc.error, status_code=exc.status)
                return _Outcome(error_body(exc), exc.status, response)
            return _Outcome({"ok": True}, 200, PlainTextResponse(f"OK - {len(content)}"))

        return await self._serve("file_upload", params, work)

    async def download(self, request: Request) -> Response:
        if not self._authorized(_bearer(request)):
            return PlainTextResponse("invalid_auth", status_code=403)
        with self._ws.lock:
            record = self._ws.files.get(request.path_params["file_id"])
            if record is None or record.content is None:
                return PlainTextResponse("file_not_found", status_code=404)
            return Response(record.content, media_type="application/octet-stream")


def error_body(exc: ApiError) -> JsonDict:
    body: JsonDict = {"ok": False, "error": exc.error}
    if exc.messages:
        body["response_metadata"] = {"messages": list(exc.messages)}
    return body


def _failure_response(failure: Failure, body: JsonDict) -> Response:
    headers = {}
    if failure.retry_after is not None:
        headers["Retry-After"] = str(failure.retry_after)
    return JSONResponse(body, status_code=failure.status, headers=headers)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


async def _read_api_request(request: Request) -> tuple[dict[str, Any], str | None]:
    """Arguments from the query string and a JSON or form body; the token from either place."""
    values: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if raw and "application/json" in content_type:
        try:
            decoded = json.loads(raw)
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, dict):
            values.update(decoded)
    elif raw:
        values.update(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    form_token = values.pop("token", None)
    token = _bearer(request) or (str(form_token) if form_token else None)
    return values, token


def _recordable(values: dict[str, Any]) -> JsonDict:
    """The params as a test wants to read them: structured values decoded, never a token."""
    recorded: JsonDict = {}
    for key, value in values.items():
        decoded = value
        if key in _JSON_PARAMS and isinstance(value, str):
            with contextlib.suppress(json.JSONDecodeError):
                decoded = json.loads(value)
        recorded[key] = decoded
    return recorded


def _decode_hook_body(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        text = dict(parse_qsl(text)).get("payload", "")
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
