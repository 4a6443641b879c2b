"""What an admin finds in the logs: the reference a person was shown is the id on every record of
that request (and its `X-Request-Id`); nothing a person typed and no secret is ever written."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot.demo.rehearsal import SANDBOX_SIGNING_SECRET, Rehearsal
from bot.observability.logging import JsonFormatter, configure_logging
from slack_sandbox import DEFAULT_BOT_TOKEN
from tests.e2e.ledger_support import a_change, post_bearer
from tests.observability.conftest import restore_logging  # noqa: F401  (a fixture)
from tests.rig import API_TOKEN

ALICE = "U0ALICE"


@pytest.fixture
def json_logs(restore_logging: None) -> Iterator[None]:  # noqa: F811
    configure_logging("DEBUG", "json")
    yield


def records_of(caplog: pytest.LogCaptureFixture, request_id: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "request_id", None) == request_id]


@pytest.mark.allows_unhandled_errors
async def test_the_reference_in_the_error_is_the_request_id_of_its_log_records(
    rig: Rehearsal, json_logs: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    rig.emulator.fail("views.open", status=500, times=3)  # the first try and both re-sends
    response = await rig.slack.slash("open Refusals", user=ALICE, channel=general.id)
    await rig.slack.settle()

    [told] = rig.emulator.ephemerals_for(ALICE)
    reference = told.text.split("reference `", 1)[1].split("`", 1)[0]
    assert response.headers["x-request-id"] == reference
    [error] = [r for r in records_of(caplog, reference) if r.levelno == logging.ERROR]
    assert error.getMessage() == f"unhandled error (ref {reference})"


async def test_a_rest_error_reference_finds_its_request(
    api_rig: Rehearsal,
    json_logs: None,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the ledger's disk is full")

    monkeypatch.setattr(api_rig.runtime.deps.changes, "record", broken)
    response = await post_bearer(api_rig, "/api/v1/changes", {"changes": [a_change("sha-1")]})
    assert response.status_code == 500
    reference = response.headers["x-request-id"]
    assert response.json() == {"error": f"internal error (reference {reference})"}
    [error] = records_of(caplog, reference)
    assert "RuntimeError: the ledger's disk is full" in caplog.text
    assert error.levelno == logging.ERROR


async def test_no_typed_text_and_no_secret_reaches_the_logs_even_at_debug(
    api_rig: Rehearsal,
    json_logs: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    rig = api_rig
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Canary-title-5d1e", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    await rig.slack.submit_view(
        view.id,
        {"severity": "S2", "category": "silent_drift", "description": "canary-desc"},
        user=ALICE,
    )
    await rig.slack.settle()
    [incident] = await rig.runtime.deps.incidents.list_open()
    await rig.slack.slash("log canary-note-9b2c", user=ALICE, channel=incident.channel_id or "")
    await rig.slack.settle()
    changed = await post_bearer(
        rig, "/api/v1/changes", {"changes": [a_change("sha-1", summary="canary-change-3a7f")]}
    )
    assert changed.status_code == 200
    await rig.slack.settle()

    # The sandbox serves the Web API with uvicorn in this process; its access log is Slack's
    # side of the wire, not the bot's. What the bot's handler writes is each record as JSON.
    ours = [r for r in caplog.records if r.name != "uvicorn.access"]
    written = "\n".join(JsonFormatter().format(record) for record in ours)
    assert f"incident #{incident.number} declared" in written  # the lifecycle record is there
    for never in (
        "canary",
        "Canary",
        DEFAULT_BOT_TOKEN,
        SANDBOX_SIGNING_SECRET,
        API_TOKEN,
    ):
        assert never not in written
