"""The series' names and labels, as a Prometheus server and an alert rule would read them."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.observability.metrics import MAX_SOURCE_LABELS, Metrics, ProjectorCounts
from bot.observability.slack_api import ObservedCalls, answer_outcome, method_of
from bot.observability.slack_requests import surface_of


async def exposition(metrics: Metrics, open_incidents: dict[str, int] | None = None) -> str:
    async def open_by_severity() -> dict[str, int]:
        return open_incidents or {}

    async def lag() -> timedelta:
        return timedelta(seconds=42)

    page = await metrics.scrape(
        open_by_severity=open_by_severity, severities=["S1", "S2", "S3"], lag=lag
    )
    return page.decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_series_follow_prometheus_conventions() -> None:
    metrics = Metrics()
    metrics.watch_projector(ProjectorCounts(performed=lambda: 5, failures=lambda: 1))
    metrics.slack_request("command", "ok", 0.2)
    metrics.slack_api_call("chat.postMessage", "ratelimited")
    metrics.slack_api_retry("chat.postMessage", "ratelimited")
    metrics.reminder_sent("stale_update")
    metrics.changes_received(["ci", "ci"], new=["ci"])
    metrics.http_request("/api/v1/changes", 422)
    text = await exposition(metrics, {"S2": 3})
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert all(name.startswith("ai_incident_") for name in families)
    counters = {n for n, f in families.items() if f.type == "counter"}
    assert counters == {
        "ai_incident_slack_requests",
        "ai_incident_http_requests",
        "ai_incident_slack_api_calls",
        "ai_incident_slack_api_retries",
        "ai_incident_reminders_sent",
        "ai_incident_ledger_changes_ingested",
        "ai_incident_projector_events_performed",
        "ai_incident_projector_failures",
    }
    assert families["ai_incident_slack_ack_seconds"].type == "histogram"
    found = samples(text)
    assert found[("ai_incident_slack_requests_total", (("outcome", "ok"), ("surface", "command")))]
    assert found[("ai_incident_incidents_open", (("severity", "S1"),))] == 0
    assert found[("ai_incident_incidents_open", (("severity", "S2"),))] == 3
    assert found[("ai_incident_projector_lag_seconds", ())] == 42
    assert found[("ai_incident_projector_events_performed_total", ())] == 5
    assert found[("ai_incident_projector_failures_total", ())] == 1
    key = "ai_incident_ledger_changes_ingested_total"
    assert found[(key, (("outcome", "new"), ("source", "ci")))] == 1
    assert found[(key, (("outcome", "duplicate"), ("source", "ci")))] == 1


async def test_two_apps_in_one_process_count_apart() -> None:
    first, second = Metrics(), Metrics()
    first.reminder_sent("unowned_item")
    key = ("ai_incident_reminders_sent_total", (("rule", "unowned_item"),))
    assert samples(await exposition(first))[key] == 1
    assert key not in samples(await exposition(second))


async def test_producer_names_cannot_mint_series_without_end() -> None:
    metrics = Metrics()
    names = [f"producer-{n}" for n in range(MAX_SOURCE_LABELS + 10)]
    metrics.changes_received(names, new=names)
    sources = {
        dict(labels)["source"]
        for name, labels in samples(await exposition(metrics))
        if name == "ai_incident_ledger_changes_ingested_total"
    }
    assert len(sources) == MAX_SOURCE_LABELS + 1
    assert "other" in sources


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("https://slack.com/api/chat.postMessage", "chat.postMessage"),
        ("http://127.0.0.1:9/api/conversations.create", "conversations.create"),
        ("https://files.slack.com/upload/v1/CwABAAAAXgsAAgAAABRhaWluYy0x", "file_upload"),
    ],
)
def test_the_method_label_is_the_web_api_method_or_file_upload(url: str, method: str) -> None:
    assert method_of(url) == method


def answer(status: int, body: dict[str, object] | None = None) -> HttpResponse:
    return HttpResponse(status_code=status, headers={}, body=body)


@pytest.mark.parametrize(
    ("response", "error", "outcome"),
    [
        (answer(200, {"ok": True}), None, "ok"),
        (answer(200, {"ok": False, "error": "channel_not_found"}), None, "error"),
        (answer(429, {"ok": False, "error": "ratelimited"}), None, "ratelimited"),
        (answer(503), None, "server_error"),
        (None, aiohttp.ServerDisconnectedError(), "connection_error"),
        (None, TimeoutError(), "connection_error"),
    ],
)
async def test_each_answer_is_counted_once_by_its_class_and_never_retried(
    response: HttpResponse | None, error: Exception | None, outcome: str
) -> None:
    assert answer_outcome(response, error) == outcome
    metrics = Metrics()
    observer = ObservedCalls(metrics)
    request = HttpRequest(method="POST", url="https://slack.com/api/chat.update", headers={})
    retry = await observer.can_retry_async(
        state=RetryState(), request=request, response=response, error=error
    )
    assert retry is False
    key = ("ai_incident_slack_api_calls_total", (("method", "chat.update"), ("outcome", outcome)))
    assert samples(await exposition(metrics))[key] == 1


@pytest.mark.parametrize(
    ("body", "surface"),
    [
        ({"command": "/ai-incident", "text": "open"}, "command"),
        ({"type": "block_actions"}, "block_action"),
        ({"type": "view_submission"}, "view_submission"),
        ({"type": "view_closed"}, "view_closed"),
        ({"type": "shortcut"}, "shortcut"),
        ({"type": "message_action"}, "shortcut"),
        ({"type": "block_suggestion"}, "options"),
        ({"type": "event_callback", "event": {"type": "reaction_added"}}, "event"),
        ({"type": "url_verification", "challenge": "x"}, "handshake"),
        ({"type": "something_new"}, "other"),
    ],
)
def test_a_request_is_labelled_by_what_the_person_did(
    body: dict[str, object], surface: str
) -> None:
    assert surface_of(body) == surface
