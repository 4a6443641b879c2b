"""SandboxServer: serve a SlackEmulator on 127.0.0.1 from a thread with its own event loop.

Its own thread and loop keep the emulator out of the app's loop: an injected delay never blocks
the app, and the app's loop holds no sandbox tasks (so `ScriptedSlack.settle()` waits only for
the app's own work). The socket is bound before the thread starts, so the port is known at once.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from slack_sandbox.emulator import SlackEmulator

START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 5.0


class _WithoutAccessLines(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn decides per connection whether to write access lines, from whether the shared
    `uvicorn.access` logger has handlers: in a process whose app logs its own requests (a test
    of `serve`, the demo), Slack's side would otherwise write into the app's log."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_log = False


class SandboxServer:
    def __init__(self, emulator: SlackEmulator, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self._host = host
        self._port = port
        self._socket: socket.socket | None = None
        self._bound_port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("the sandbox server is not started")
        return self._bound_port

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` — where response and upload URLs point."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """`http://127.0.0.1:PORT/api/` — what SLACK_API_URL (AsyncWebClient base_url) is set to."""
        return f"{self.base_url}/api/"

    def start(self) -> None:
        """Bind, serve in the background, and return once requests are being accepted."""
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        # Inherited by accepted connections: without it every call on a kept-alive connection
        # (the bot's shared aiohttp session) waits ~40 ms for Nagle and delayed ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket = sock
        self._bound_port = int(sock.getsockname()[1])
        self.emulator.attach(self.base_url)
        config = uvicorn.Config(
            self.emulator.app,
            log_level="warning",
            access_log=False,
            http=_WithoutAccessLines,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="slack-sandbox", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server failed to start") from self._failure
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the sandbox server did not start listening in time")
            time.sleep(0.01)

    def _serve(self) -> None:
        assert self._server is not None and self._socket is not None
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:  # reported by start(); a thread cannot raise to its caller
            self._failure = exc

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_SECONDS)
        if self._socket is not None:
            self._socket.close()
        self._socket = None
        self._thread = None
        self._server = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
