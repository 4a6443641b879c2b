"""The HTTP side: Slack's request URL, health probes and (later) the REST API, on one port."""

from __future__ import annotations

from bot.api.app import create_http_app

__all__ = ["create_http_app"]
