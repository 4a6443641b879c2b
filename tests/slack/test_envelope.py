"""Signed bodies of shapes Slack never sends are refused before Bolt or a listener reads them;
values the bot wrote are read only in the form it wrote them."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack.channel_agreement import claimed_incidents
from bot.slack.envelope import as_bolt_reads_it, check_envelope
from bot.slack.payloads import MalformedPayload

FORM = {"content-type": "application/x-www-form-urlencoded"}


def interaction(**fields: Any) -> str:
    payload = {
        "type": "view_submission",
        "user": {"id": "U0ALICE", "team_id": "T0SANDBOX"},
        "team": {"id": "T0SANDBOX"},
        "view": {"id": "V1", "callback_id": "x", "state": {"values": {}}},
    }
    return urlencode({"payload": json.dumps(payload | fields)})


def test_a_well_formed_submission_passes() -> None:
    check_envelope(interaction(), FORM)


@pytest.mark.parametrize(
    "fields",
    [
        {"team": {"id": [[["deep"]]]}},
        {"user": {"id": "U0ALICE", "team_id": {"not": "an id"}}},
        {"enterprise": {"id": 7}},
    ],
)
def test_ids_the_web_api_client_is_given_must_be_text(fields: dict[str, Any]) -> None:
    with pytest.raises(MalformedPayload):
        check_envelope(interaction(**fields), FORM)


def test_a_slash_command_mentioning_payload_keeps_its_text() -> None:
    command = {
        "command": "/ai-incident",
        "text": "log the payload was cut",
        "user_id": "U0ALICE",
        "channel_id": "C0INCIDENT",
        "team_id": "T0SANDBOX",
        "response_url": "https://hooks.slack.com/commands/T0SANDBOX/1/abc",
        "trigger_id": "1.2.abc",
    }
    body = urlencode(command).encode()
    text = as_bolt_reads_it(body)
    assert "payload" not in text
    check_envelope(text, FORM)


@pytest.mark.parametrize("value", ["²", "٣", "7" * 30, "-1", ""])
def test_a_button_value_in_no_form_this_bot_writes_claims_no_readable_incident(
    value: str,
) -> None:
    body = {"actions": [{"action_id": "card_post_update", "value": value}]}
    assert claimed_incidents(body, {}) == {None}
