"""`/readyz` as a load balancer sees it: unready with one line while Slack refuses the token or
cannot be reached, asking Slack at most once per interval, and never building an engine."""

from __future__ import annotations

import pytest

import storage.migrate
from bot.demo.rehearsal import Rehearsal


def auth_tests(rig: Rehearsal) -> int:
    return sum(1 for call in rig.emulator.calls if call.method == "auth.test")


async def test_ready_asks_slack_once_for_many_probes_and_no_engine_is_built(
    rig: Rehearsal, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_new_engine(*args: object, **kwargs: object) -> None:
        raise AssertionError("a probe built an engine")

    monkeypatch.setattr(storage.migrate, "create_engine", no_new_engine)
    for _ in range(5):
        probe = await rig.http.get("/readyz")
        assert probe.status_code == 200 and probe.json() == {"status": "ready"}
    assert auth_tests(rig) == 1


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"error": "invalid_auth"}, "Slack refused the bot token (invalid_auth)"),
        ({"status": 503}, "Slack unreachable (server_error)"),
    ],
)
async def test_unready_while_slack_refuses_or_fails(
    rig: Rehearsal, fault: dict[str, object], reason: str
) -> None:
    rig.emulator.fail("auth.test", **fault)  # type: ignore[arg-type]
    probe = await rig.http.get("/readyz")
    assert probe.status_code == 503
    assert probe.json() == {"status": "not ready", "reason": reason}
    # The answer is kept: the next probes do not ask Slack again within the interval.
    calls = auth_tests(rig)
    assert (await rig.http.get("/readyz")).status_code == 503
    assert auth_tests(rig) == calls


async def test_a_check_added_by_a_runner_counts(rig: Rehearsal) -> None:
    connected = False
    rig.runtime.readiness.append(lambda: None if connected else "Socket Mode not connected")
    probe = await rig.http.get("/readyz")
    assert probe.status_code == 503 and probe.json()["reason"] == "Socket Mode not connected"
    connected = True
    assert (await rig.http.get("/readyz")).status_code == 200
