"""AI_INCIDENT_WEBHOOK_SECRET is a Standard Webhooks secret, and a bad one stops the start-up."""

from __future__ import annotations

import base64

import pytest

from bot.api.auth import ApiAuth, SecretFormatError, signature_headers
from bot.config import Settings

GOOD = "whsec_" + base64.b64encode(bytes(range(32))).decode()


def _settings(secret: str) -> Settings:
    return Settings(slack_bot_token="xoxb-x", slack_signing_secret="s", webhook_secret=secret)


@pytest.mark.parametrize(
    "secret",
    [
        "a-plain-password-of-old",
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"too short").decode(),
    ],
)
def test_a_secret_not_in_the_whsec_form_is_refused_at_start_up(secret: str) -> None:
    with pytest.raises(SecretFormatError, match="whsec_"):
        ApiAuth.from_settings(_settings(secret))


def test_a_whsec_secret_is_taken_and_signs_id_timestamp_and_body() -> None:
    auth = ApiAuth.from_settings(_settings(GOOD))
    assert auth.webhook is not None
    headers = signature_headers(b"{}", GOOD, delivery_id="msg_1")
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-signature"].startswith("v1,")
