"""`GET /metrics` after a whole incident through the real app and the sandbox: every series the
design names shows exactly what happened — requests by surface, Slack calls by method and outcome
(a 429 retried), reminders by rule, changes by producer, open incidents by severity, the
projector's work and lag."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from tests.e2e.ledger_support import a_change, post_bearer
from tests.e2e.lifecycle_support import close_anyway
from tests.fakes.clock import FakeClock
from tests.rig import API_TOKEN, WEBHOOK_SECRET, OpenRig, sqlite_file_url

ALICE = "U0ALICE"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def metered_rig(
    tmp_path: Path, clock: FakeClock, open_rig: OpenRig
) -> AsyncIterator[Rehearsal]:
    """The rig with the REST API on and a hand-moved clock (for a reminder)."""
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=SlackEmulator(),
        clock=clock,
        api_token=API_TOKEN,
        webhook_secret=WEBHOOK_SECRET,
    ) as running:
        yield running


async def scrape(rig: Rehearsal) -> Samples:
    response = await rig.http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def by_label(samples: Samples, name: str, label: str, **fixed: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for (sample, labels), number in samples.items():
        named = dict(labels)
        if sample == name and all(named.get(k) == v for k, v in fixed.items()):
            found[named[label]] = number
    return found


def api_calls(samples: Samples) -> Counter[tuple[str, str]]:
    counted: Counter[tuple[str, str]] = Counter()
    for (name, labels), number in samples.items():
        if name == "ai_incident_slack_api_calls_total":
            named = dict(labels)
            counted[(named["method"], named["outcome"])] = int(number)
    return counted


def sandbox_calls(rig: Rehearsal) -> Counter[tuple[str, str]]:
    """The sandbox's record of the same, by the metric's outcome classes."""

    def outcome(status: int, ok: bool) -> str:
        if status == 429:
            return "ratelimited"
        if status >= 500:
            return "server_error"
        return "ok" if ok else "error"

    return Counter(
        (call.method, outcome(call.status, call.ok))
        for call in rig.emulator.calls
        if call.method != "response_url"  # Bolt's respond(): not the Web API client
    )


async def declare_s1(rig: Rehearsal) -> int:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Refusals spiked", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    await rig.slack.submit_view(view.id, {"severity": "S1", "category": "silent_drift"}, user=ALICE)
    await rig.slack.settle()
    [incident] = await rig.runtime.deps.incidents.list_open()
    assert incident.number is not None
    return incident.number


async def test_metrics_after_a_lifecycle_show_what_happened(
    metered_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = metered_rig
    # Slack rate-limits the card's post once: the client waits and sends it again.
    rig.emulator.fail("chat.postMessage", status=429, retry_after=1, times=1)
    number = await declare_s1(rig)

    for batch in (
        [a_change("sha-1"), a_change("sha-2")],
        [a_change("flag-9", source="launchdarkly", kind="config")],
        [a_change("sha-1")],  # a producer's retry: stored once, counted as a duplicate
    ):
        response = await post_bearer(rig, "/api/v1/changes", {"changes": batch})
        assert response.status_code == 200, response.text
    await rig.slack.settle()

    clock.advance(minutes=16)  # triage's 15-minute timebox has passed: the commander hears
    assert await rig.runtime.deps.reminders.tick() == 1
    await rig.slack.settle()

    during = await scrape(rig)
    assert by_label(during, "ai_incident_incidents_open", "severity") == {
        "S1": 1,
        "S2": 0,
        "S3": 0,
    }

    await close_anyway(rig, number, user=ALICE)
    await rig.runtime.projector.drain()
    after = await scrape(rig)

    # Requests from Slack by surface: two commands (open, close), two forms submitted.
    assert by_label(after, "ai_incident_slack_requests_total", "surface", outcome="ok") == {
        "command": 2,
        "view_submission": 2,
    }
    assert value(after, "ai_incident_slack_ack_seconds_count", surface="command") == 2
    assert value(after, "ai_incident_slack_ack_seconds_count", surface="view_submission") == 2

    # Slack Web API calls: every request the sandbox received, by method and how it was
    # answered — the rate-limited attempt included — and that attempt's re-send.
    assert api_calls(after) == sandbox_calls(rig)
    assert ("chat.postMessage", "ratelimited") in api_calls(after)
    assert by_label(
        after, "ai_incident_slack_api_retries_total", "method", reason="ratelimited"
    ) == {"chat.postMessage": 1}

    assert by_label(after, "ai_incident_reminders_sent_total", "rule") == {"phase_timebox": 1}
    assert by_label(
        after, "ai_incident_ledger_changes_ingested_total", "source", outcome="new"
    ) == {
        "github-actions": 2,
        "launchdarkly": 1,
    }
    assert by_label(
        after, "ai_incident_ledger_changes_ingested_total", "source", outcome="duplicate"
    ) == {"github-actions": 1}
    assert (
        value(after, "ai_incident_http_requests_total", route="/api/v1/changes", status="200") == 3
    )

    assert by_label(after, "ai_incident_incidents_open", "severity") == {"S1": 0, "S2": 0, "S3": 0}
    assert value(after, "ai_incident_projector_lag_seconds") == 0
    performed = value(after, "ai_incident_projector_events_performed_total")
    assert performed == rig.runtime.projector.performed > 0
    assert value(after, "ai_incident_projector_failures_total") == 0
