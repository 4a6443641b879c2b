"""Typed access to a Web API request's arguments, whichever way slack_sdk encoded them.

slack_sdk sends some methods as JSON, others form-encoded, some as GET query strings; form and
query values are all strings. Handlers ask for what they need with the type they need, and a
missing required argument is answered the way Slack answers it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slack_sandbox.errors import ApiError

_TRUE = {"true", "1", "yes"}


class Params:
    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)

    def raw(self) -> dict[str, Any]:
        return dict(self._values)

    def get(self, name: str) -> Any:
        return self._values.get(name)

    def has(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def text(self, name: str, *, missing_error: str | None = None) -> str:
        value = self._values.get(name)
        if value is None or value == "":
            if missing_error is not None:
                raise ApiError(missing_error)
            raise ApiError("invalid_arguments", [f"[ERROR] missing required field: {name}"])
        return str(value)

    def optional_text(self, name: str) -> str | None:
        value = self._values.get(name)
        return None if value is None or value == "" else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in _TRUE

    def number(self, name: str, default: int) -> int:
        value = self._values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ApiError(
                "invalid_arguments", [f"[ERROR] {name} must be an integer [json-pointer:/{name}]"]
            ) from exc

    def text_list(self, name: str) -> list[str]:
        """A list given as a JSON array or as Slack's comma-separated string."""
        value = self._values.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        text = str(value).strip()
        if text.startswith("["):
            try:
                decoded = json.loads(text)
            except json.JSONDecodeError:
                decoded = None
            if isinstance(decoded, list):
                return [str(v) for v in decoded]
        return [part.strip() for part in text.split(",") if part.strip()]

    def structured(self, name: str) -> Any:
        """A structured argument (sent as an object in JSON, as a JSON string in a form)."""
        value = self._values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ApiError(
                    "invalid_arguments",
                    [f"[ERROR] {name} is not valid JSON [json-pointer:/{name}]"],
                ) from exc
        return value
