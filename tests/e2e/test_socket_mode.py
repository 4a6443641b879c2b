"""The real app over Socket Mode against the sandbox: commands and modals through the WebSocket,
probes that answer while the link is down, and a runner that comes back by itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.incidents.model import Incident
from bot.core.timeline import TimelineKind
from bot.demo.rehearsal import Rehearsal
from bot.slack.listeners.slash_command import SUBCOMMANDS
from bot.slack.socket_mode import Backoff, SocketModeRunner
from slack_sandbox import SlackEmulator
from slack_sandbox.socket_driver import SocketModeSlack
from slack_sandbox.socket_mode import DEFAULT_APP_TOKEN
from tests.rig import OpenRig, sqlite_file_url

ALICE = "U0ALICE"
# Conditions are waited on, never timed: this only bounds a test that would otherwise hang.
GENEROUS = 30.0


@dataclass
class SocketRig:
    rig: Rehearsal
    runner: SocketModeRunner
    slack: SocketModeSlack

    @property
    def emulator(self) -> SlackEmulator:
        return self.rig.emulator

    @property
    def general(self) -> str:
        channel = self.emulator.channel_by_name("general")
        assert channel is not None
        return channel.id


async def until(condition: Callable[[], bool], what: str) -> None:
    """Wait for a state of another thread or library, which offers no event to wait on."""
    try:
        async with asyncio.timeout(GENEROUS):
            while True:
                if condition():
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"never happened: {what}")


@pytest.fixture
async def socket_rig(tmp_path: Path, open_rig: OpenRig) -> AsyncIterator[SocketRig]:
    """The rig's app, its HTTP side serving, connected to the sandbox over Socket Mode only
    (started with the link down: Slack unreachable at start)."""
    emulator = SlackEmulator()
    emulator.add_channel("ai-incidents")
    hub = emulator.socket_mode
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=emulator,
        slack_app_token=DEFAULT_APP_TOKEN,
    ) as rig:
        await hub.take_down()
        runner = rig.runtime.socket_mode(
            DEFAULT_APP_TOKEN,
            ping_interval=1.0,
            backoff=Backoff(first=0.05, most=0.5),
            check_every=0.05,
        )
        async with runner:
            assert not runner.connected
            ready = await rig.http.get("/readyz")  # the HTTP side does not wait for Slack
            assert ready.status_code == 503
            assert "Socket Mode" in ready.json()["reason"]
            hub.bring_up()
            await until(lambda: runner.connected and hub.connected, "the runner connected")
            assert (await rig.http.get("/readyz")).status_code == 200
            yield SocketRig(rig=rig, runner=runner, slack=SocketModeSlack(emulator=emulator))
            assert hub.unacked == [], "the app left envelopes unacked"


async def test_help_comes_back_in_the_ack(socket_rig: SocketRig) -> None:
    response = await socket_rig.slack.slash("help", user=ALICE, channel=socket_rig.general)
    assert response.status_code == 200
    scraped = (await socket_rig.rig.http.get("/metrics")).text
    # Counted as a request over HTTP would be.
    assert 'ai_incident_slack_requests_total{outcome="ok",surface="command"} 1.0' in scraped
    text = response.json()["text"]
    for sub in SUBCOMMANDS:
        assert f"/ai-incident {sub.usage}" in text


async def test_declaring_through_the_socket_opens_the_incident(socket_rig: SocketRig) -> None:
    emulator, slack = socket_rig.emulator, socket_rig.slack
    opened = await slack.slash("open Refusals spiked", user=ALICE, channel=socket_rig.general)
    assert opened.status_code == 200
    await slack.settle()
    modal = emulator.open_views(ALICE)[-1]

    fields = {"severity": "S2", "category": "user_visible_regression"}
    submitted = await slack.submit_view(modal.id, fields, user=ALICE)
    assert submitted.status_code == 200
    await slack.settle()

    incidents = await socket_rig.rig.runtime.deps.incidents.list_open()
    assert [i.title for i in incidents] == ["Refusals spiked"]
    channel = emulator.channel_by_name(incidents[0].channel_name or "")
    assert channel is not None and ALICE in channel.members
    assert not emulator.view(modal.id).is_open


async def declare(socket_rig: SocketRig, title: str) -> Incident:
    emulator, slack = socket_rig.emulator, socket_rig.slack
    await slack.slash(f"open {title}", user=ALICE, channel=socket_rig.general)
    await slack.settle()
    modal = emulator.open_views(ALICE)[-1]
    fields = {"severity": "S2", "category": "user_visible_regression"}
    await slack.submit_view(modal.id, fields, user=ALICE)
    await slack.settle()
    [incident] = await socket_rig.rig.runtime.deps.incidents.list_open()
    return incident


async def test_an_event_slack_delivers_again_is_taken_once(socket_rig: SocketRig) -> None:
    """Over the link a redelivery is `retry_attempt` in the envelope, not a header: the event id
    is what the app deduplicates on, so one pushpin stays one timeline entry."""
    incident = await declare(socket_rig, "Refusals spiked")
    channel = incident.channel_id or ""
    ts = socket_rig.emulator.post_user_message(channel, "U0BOB", "Judge scores fell at 09:12")
    slack = socket_rig.slack
    await slack.react(channel, ts, user=ALICE, event_id="Ev0SOCKET1")
    await slack.react(channel, ts, user=ALICE, event_id="Ev0SOCKET1", retry_num=1)
    await slack.settle()

    [first, again] = [d.envelope for d in socket_rig.emulator.socket_mode.deliveries[-2:]]
    assert (first["retry_attempt"], again["retry_attempt"]) == (0, 1)
    timeline = await socket_rig.rig.runtime.deps.incidents.timeline(incident.number or 0)
    captured = [e for e in timeline if e.kind is TimelineKind.SLACK_MESSAGE]
    assert [e.summary for e in captured] == ["Judge scores fell at 09:12"]


async def test_a_modal_refused_by_the_app_shows_its_errors(socket_rig: SocketRig) -> None:
    """The ack's payload carries the response_action: Slack keeps the modal open with errors."""
    emulator, slack = socket_rig.emulator, socket_rig.slack
    await slack.slash("open", user=ALICE, channel=socket_rig.general)
    await slack.settle()
    modal = emulator.open_views(ALICE)[-1]

    submitted = await slack.submit_view(
        modal.id, {"title": "  ", "severity": "S2", "category": "silent_drift"}, user=ALICE
    )
    assert submitted.json()["response_action"] == "errors"
    assert emulator.view(modal.id).is_open
    assert await socket_rig.rig.runtime.deps.incidents.list_open() == []


async def test_probes_answer_while_the_link_is_down_and_the_runner_comes_back(
    socket_rig: SocketRig,
) -> None:
    hub, runner, http = socket_rig.emulator.socket_mode, socket_rig.runner, socket_rig.rig.http
    opened_before = hub.connections_opened
    await hub.take_down()
    await until(lambda: not runner.connected, "the runner saw the link drop")

    # Alive (no restart wanted) but not ready: Slack cannot deliver to this replica now.
    assert (await http.get("/healthz")).status_code == 200
    ready = await http.get("/readyz")
    assert ready.status_code == 503 and "Socket Mode" in ready.json()["reason"]

    hub.bring_up()
    await until(lambda: runner.connected and hub.connected, "the runner reconnected")
    assert hub.connections_opened > opened_before
    response = await socket_rig.slack.slash("help", user=ALICE, channel=socket_rig.general)
    assert response.status_code == 200 and "/ai-incident" in response.json()["text"]


async def test_a_refresh_requested_by_slack_moves_the_app_to_a_new_link(
    socket_rig: SocketRig,
) -> None:
    hub, runner = socket_rig.emulator.socket_mode, socket_rig.runner
    opened_before = hub.connections_opened
    await hub.disconnect("refresh_requested")
    await until(
        lambda: hub.connections_opened > opened_before and runner.connected,
        "the app opened a new link",
    )
    response = await socket_rig.slack.slash("help", user=ALICE, channel=socket_rig.general)
    assert response.status_code == 200 and "/ai-incident" in response.json()["text"]


async def test_an_envelope_slack_would_never_send_is_acked_and_goes_no_further(
    socket_rig: SocketRig,
) -> None:
    """The same shape check as POST /slack/events: no listener meets `"actions": "x"`."""
    hub = socket_rig.emulator.socket_mode
    calls_before = len(socket_rig.emulator.calls)
    malformed = {"type": "block_actions", "user": {"id": ALICE}, "actions": "x"}
    delivery = await hub.deliver("interactive", malformed)
    await socket_rig.slack.settle()
    assert delivery.acked and delivery.ack_payload is None
    assert len(socket_rig.emulator.calls) == calls_before


async def test_a_refused_app_token_is_said_in_one_line_and_retried_without_ending_anything(
    tmp_path: Path, open_rig: OpenRig, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = SlackEmulator()
    revoked = "xapp-1-A0SANDBOX-7-revoked-not-a-real-token"
    async with open_rig(database_url=sqlite_file_url(tmp_path), emulator=emulator) as rig:
        runner = SocketModeRunner(
            rig.runtime.bolt, app_token=revoked, backoff=Backoff(first=0.05, most=0.2)
        )
        async with runner:
            await until(
                lambda: len(emulator.calls_to("apps.connections.open")) >= 3,
                "the runner kept trying",
            )
            assert not runner.connected
            assert (await rig.http.get("/healthz")).status_code == 200

    refusals = [r.getMessage() for r in caplog.records if "SLACK_APP_TOKEN" in r.getMessage()]
    assert refusals and "invalid_auth" in refusals[0]
    assert all(revoked not in r.getMessage() for r in caplog.records)
