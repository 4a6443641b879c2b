"""The HTTP surface Slack and load balancers see: signatures, handshakes, bad bodies, probes."""

from __future__ import annotations

import json
import time

import pytest

from bot.demo.rehearsal import Rehearsal

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


async def test_unsigned_request_is_refused_and_does_nothing(rig: Rehearsal) -> None:
    body = b"command=%2Fai-incident&text=list&user_id=U0ALICE&channel_id=C1"
    response = await rig.slack.raw(body, FORM, sign=False)
    assert response.status_code == 401
    assert rig.emulator.calls == []


async def test_stale_signature_is_refused(rig: Rehearsal) -> None:
    body = b"command=%2Fai-incident&text=help&user_id=U0ALICE&channel_id=C1"
    response = await rig.slack.raw(body, FORM, timestamp=int(time.time()) - 600)
    assert response.status_code == 401


async def test_url_verification_and_ssl_check(rig: Rehearsal) -> None:
    response = await rig.slack.url_verification(
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    )
    assert response.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in response.text
    assert (await rig.slack.ssl_check()).status_code == 200


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"{not json", JSON),
        (b"payload=%7Bbroken", FORM),
        (b"\xff\xfe\x00garbage", FORM),
        (json.dumps({"type": "event_callback"}).encode(), JSON),
    ],
)
async def test_malformed_signed_bodies_get_a_4xx_without_a_traceback(
    rig: Rehearsal, body: bytes, headers: dict[str, str]
) -> None:
    response = await rig.slack.raw(body, headers)
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text and "File " not in response.text


async def test_malformed_unsigned_body_is_401(rig: Rehearsal) -> None:
    response = await rig.slack.raw(b"{not json", JSON, sign=False)
    assert response.status_code == 401


async def test_probes(rig: Rehearsal) -> None:
    assert (await rig.http.get("/healthz")).json() == {"status": "ok"}
    ready = await rig.http.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
