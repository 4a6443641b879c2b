"""One id per request, in every log record of that request and in the error reference people see.

An admin given a reference greps the logs for it and finds the whole request: the id lives in a
context variable, which asyncio copies into the tasks a request starts (Bolt runs listeners in
their own tasks after the ack).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str | None] = ContextVar("ai_incident_request_id", default=None)


@contextmanager
def request_scope() -> Iterator[str]:
    """A fresh id for the request handled inside the block, and the tasks it starts (they keep
    it after the block ends: Bolt's listeners outlive the ack)."""
    token = _current.set(secrets.token_hex(4))
    try:
        yield _current.get() or ""
    finally:
        _current.reset(token)


def current_request_id() -> str | None:
    return _current.get()


def reference() -> str:
    """What to tell a person to give their admin: the request's id (a fresh one outside a
    request, e.g. in a scheduled tick, so the reference still finds its log record)."""
    found = current_request_id()
    if found is None:
        found = secrets.token_hex(4)
        _current.set(found)
    return found
