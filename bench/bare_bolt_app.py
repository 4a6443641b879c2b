"""The baseline for bench/ack_latency.py: a slack-bolt AsyncApp that only acks.

Run: `python -m bench.bare_bolt_app --port P` with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and
SLACK_API_URL set. Same framework path as the bot (Bolt's Starlette adapter under uvicorn, the
signature checked with the signing secret), and every listener does nothing but `await ack()`,
so its ack latency is the framework's floor on this machine.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EVERYTHING = re.compile(".*")


async def _ack(ack: Any) -> None:
    await ack()


def build_app() -> Starlette:
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
    bolt.command(EVERYTHING)(_ack)
    bolt.action(EVERYTHING)(_ack)
    bolt.view(EVERYTHING)(_ack)
    bolt.shortcut(EVERYTHING)(_ack)
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
