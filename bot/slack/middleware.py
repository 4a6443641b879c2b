"""What every listener would otherwise work out for itself, done once per request.

- `deps`: the services, so handlers can live at module level and a test can pass its own.
- For a view submission, `values`: the submitted state as a flat `{block_id: value}` (each
  input block holds one element), and `metadata`: the decoded `private_metadata`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.deps import Deps
from bot.slack.payloads import view_values

Next = Callable[[], Awaitable[None]]
Middleware = Callable[..., Awaitable[None]]


def deps_of(context: Mapping[str, Any]) -> Deps:
    deps: Deps = context["deps"]
    return deps


def provide(deps: Deps) -> Middleware:
    async def with_deps(body: dict[str, Any], context: AsyncBoltContext, next: Next) -> None:
        context["deps"] = deps
        view = body.get("view") if body.get("type") == "view_submission" else None
        if isinstance(view, dict):
            context["values"] = view_values(view)
            context["metadata"] = _metadata(view.get("private_metadata"))
        await next()

    return with_deps


def _metadata(raw: object) -> dict[str, Any]:
    if not isinstance(raw, str) or not raw:
        return {}
    try:
        decoded = json.loads(raw)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}
