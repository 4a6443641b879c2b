"""Cursor pagination shaped like Slack's: an opaque `next_cursor`, empty on the last page."""

from __future__ import annotations

import base64
from typing import TypeVar

from slack_sandbox.errors import ApiError
from slack_sandbox.params import Params

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def page(items: list[T], params: Params) -> tuple[list[T], str]:
    """The slice a request's `cursor` and `limit` select, and the cursor to the next one."""
    limit = min(max(params.number("limit", DEFAULT_LIMIT), 1), MAX_LIMIT)
    start = _decode(params.optional_text("cursor"))
    chunk = items[start : start + limit]
    end = start + len(chunk)
    return chunk, _encode(end) if end < len(items) else ""


def _encode(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _decode(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        label, _, number = base64.b64decode(cursor.encode()).decode().partition(":")
        if label != "offset":
            raise ValueError(cursor)
        return max(int(number), 0)
    except ValueError as exc:
        raise ApiError("invalid_cursor") from exc
