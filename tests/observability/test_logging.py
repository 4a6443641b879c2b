"""The process's log output: one format, the request id on every line, libraries kept quiet."""

from __future__ import annotations

import contextvars
import json
import logging
from pathlib import Path

import pytest

from bot.observability.logging import configure_logging
from bot.observability.request_id import current_request_id, reference, request_scope
from storage.migrate import upgrade
from tests.rig import sqlite_file_url

pytestmark = pytest.mark.usefixtures("restore_logging")


def lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line]


def test_json_lines_parse_and_carry_the_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", "json")
    log = logging.getLogger("bot.test")
    with request_scope() as request_id:
        log.info("incident #%s declared", 7)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("unhandled error (ref %s)", request_id)
    log.info("between requests")
    first, failed, outside = (json.loads(line) for line in lines(capsys))
    assert first["message"] == "incident #7 declared"
    assert first["level"] == "INFO" and first["logger"] == "bot.test"
    assert first["request_id"] == failed["request_id"] == request_id
    assert "RuntimeError: boom" in failed["exception"]
    assert outside["request_id"] == "-"


def test_text_lines_show_the_request_id_and_one_handler_after_two_calls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "text")
    configure_logging("info", "text")  # a second call replaces, never doubles, the output
    with request_scope() as request_id:
        logging.getLogger("uvicorn.error").info("Started server process")
    [line] = lines(capsys)
    assert f"INFO uvicorn.error [{request_id}] Started server process" in line


def test_level_hides_what_is_below_it(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING", "text")
    logging.getLogger("bot.test").info("routine")
    logging.getLogger("bot.test").warning("worth a look")
    assert [line.rsplit("] ", 1)[1] for line in lines(capsys)] == ["worth a look"]


async def test_migrations_are_quiet_at_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", "text")
    await upgrade(sqlite_file_url(tmp_path))
    assert lines(capsys) == []


def test_libraries_that_write_out_content_stay_quiet_at_debug() -> None:
    configure_logging("DEBUG", "json")
    assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
    # SQL with its parameters, Slack calls with their text: never written, whatever the level.
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)
    assert not logging.getLogger("slack_sdk.web.async_base_client").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)


@pytest.mark.parametrize(("level", "fmt"), [("LOUD", "text"), ("INFO", "xml")])
def test_unknown_level_or_format_is_refused(level: str, fmt: str) -> None:
    with pytest.raises(ValueError, match="unknown log"):
        configure_logging(level, fmt)


def test_a_reference_outside_a_request_is_still_found_in_the_logs() -> None:
    def in_a_tick() -> None:
        with request_scope():
            pass
        assert current_request_id() is None
        given = reference()  # e.g. a reminder tick's error: later records of the tick carry it
        assert current_request_id() == given and len(given) == 8

    contextvars.copy_context().run(in_a_tick)
