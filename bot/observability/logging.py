"""One log format for the whole process, a request id on every record, library noise quieted.

`configure_logging` is called once, first thing, by each command. It adds one handler to the
root logger (replacing its own from an earlier call) and empties uvicorn's handlers, so that
uvicorn's records come out in the same format (uvicorn must then be started with
`log_config=None`, or it installs its own handlers again).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from bot.observability.request_id import current_request_id

LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
NO_REQUEST = "-"

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

# Chatty at INFO about routine work: a line per migration check, per scheduler tick.
QUIET_AT_WARNING = ("alembic", "apscheduler")
# These write out what they send and receive — SQL parameters, message text, form values,
# request bodies — which must never reach a log; they stay quiet whatever the level asked for.
# (SQLAlchemy writes statements with their parameters at INFO, the others at DEBUG.)
WRITE_OUT_CONTENT = {
    "sqlalchemy.engine": logging.WARNING,
    "sqlalchemy.pool": logging.WARNING,
    "aiosqlite": logging.INFO,
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.INFO,
    "aiohttp": logging.INFO,
    "httpx": logging.INFO,
    "httpcore": logging.INFO,
}
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")

_plain_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
    # At creation, in the task that logs: every handler (and pytest's caplog) sees the same id.
    record = _plain_record_factory(*args, **kwargs)
    record.request_id = current_request_id() or NO_REQUEST
    return record


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler configure_logging installs, so a second call replaces it, not adds one.
    It writes to whatever `sys.stderr` is at each record, not the one of the moment it was
    made (a stream swapped and closed since, as by a test runner, would lose the record)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass  # always sys.stderr


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, and
    the traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Send every record of the process to stderr at `level`, as `fmt` ("text" or "json")."""
    wanted = logging.getLevelNamesMapping().get(level.upper())
    if wanted is None:
        raise ValueError(f"unknown log level {level!r}; use one of {', '.join(LOG_LEVELS)}")
    if fmt not in LOG_FORMATS:
        raise ValueError(f"unknown log format {fmt!r}; use text or json")
    logging.setLogRecordFactory(_record_with_request_id)
    handler = _OurHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(wanted)
    for name in UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
        uvicorn_logger.setLevel(logging.NOTSET)
    for name in QUIET_AT_WARNING:
        logging.getLogger(name).setLevel(max(wanted, logging.WARNING))
    for name, floor in WRITE_OUT_CONTENT.items():
        logging.getLogger(name).setLevel(max(wanted, floor))
