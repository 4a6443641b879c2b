"""Logging is process-wide: a test that configures it gets the process's state back after."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.observability.logging import QUIET_AT_WARNING, UVICORN_LOGGERS, WRITE_OUT_CONTENT


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    names = [*QUIET_AT_WARNING, *UVICORN_LOGGERS, *WRITE_OUT_CONTENT]
    saved = {
        name: (logger.level, list(logger.handlers), logger.propagate)
        for name in names
        for logger in [logging.getLogger(name)]
    }
    handlers, level, factory = list(root.handlers), root.level, logging.getLogRecordFactory()
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.setLogRecordFactory(factory)
        for name, (old_level, old_handlers, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(old_level)
            logger.handlers[:] = old_handlers
            logger.propagate = propagate
