"""The bot's Prometheus series, one registry per running app.

Each `Metrics` owns a `CollectorRegistry` of its own rather than the process-wide default one,
so two apps in one process (tests, replicas in a rehearsal) never count into each other's
series. Labels are small fixed sets — a surface, a Slack method, an error class, a rule, a
severity, a producer's name — never a user, a channel or a title.

Counters are counted where things happen; what the database knows (open incidents, the outbox's
lag) is read at scrape time (`scrape`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

# Slack wants an ack within 3 seconds: the buckets are dense below that.
ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0, 10.0)

SLACK_API_OUTCOMES = ("ok", "ratelimited", "server_error", "connection_error", "error")

# Producers name themselves (`source` of a change); a misbehaving one must not be able to mint
# series without end. Past this many names, further ones are counted as "other".
MAX_SOURCE_LABELS = 50
OTHER_SOURCE = "other"


@dataclass(frozen=True)
class ProjectorCounts:
    """What the projector has done since start: read at scrape time."""

    performed: Callable[[], int]
    failures: Callable[[], int]


class _ProjectorCollector(Collector):
    def __init__(self, counts: ProjectorCounts) -> None:
        self._counts = counts

    def collect(self) -> Iterable[Metric]:
        yield CounterMetricFamily(
            "ai_incident_projector_events_performed",
            "Outbox events the projector performed in Slack.",
            value=self._counts.performed(),
        )
        yield CounterMetricFamily(
            "ai_incident_projector_failures",
            "Slack steps of outbox events that failed (each is retried after a backoff).",
            value=self._counts.failures(),
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.slack_requests = Counter(
            "ai_incident_slack_requests",
            "Requests from Slack, by surface and outcome (ok, rejected, error).",
            ["surface", "outcome"],
            registry=registry,
        )
        self.slack_ack_seconds = Histogram(
            "ai_incident_slack_ack_seconds",
            "Time from receiving a Slack request to answering it (the ack).",
            ["surface"],
            buckets=ACK_BUCKETS,
            registry=registry,
        )
        self.http_requests = Counter(
            "ai_incident_http_requests",
            "HTTP requests to the REST API and probes, by route template and status.",
            ["route", "status"],
            registry=registry,
        )
        self.slack_api_calls = Counter(
            "ai_incident_slack_api_calls",
            "Requests to the Slack Web API, by method and outcome; a call re-sent after a 429"
            " counts once as ratelimited and once more for its next answer.",
            ["method", "outcome"],
            registry=registry,
        )
        self.slack_api_retries = Counter(
            "ai_incident_slack_api_retries",
            "Slack Web API calls re-sent, by method and reason (ratelimited: a 429).",
            ["method", "reason"],
            registry=registry,
        )
        self.reminders_sent = Counter(
            "ai_incident_reminders_sent",
            "Reminders posted, by rule.",
            ["rule"],
            registry=registry,
        )
        self.changes_ingested = Counter(
            "ai_incident_ledger_changes_ingested",
            "Changes received for the change ledger, by producer and whether they were new.",
            ["source", "outcome"],
            registry=registry,
        )
        self.incidents_open = Gauge(
            "ai_incident_incidents_open",
            "Open incidents, by severity (read from the database at scrape).",
            ["severity"],
            registry=registry,
        )
        self.projector_lag = Gauge(
            "ai_incident_projector_lag_seconds",
            "How long the oldest outbox event not yet performed has waited (0: none waits).",
            registry=registry,
        )
        self._sources: set[str] = set()

    # -- counting -------------------------------------------------------------------------------

    def slack_request(self, surface: str, outcome: str, seconds: float) -> None:
        self.slack_requests.labels(surface=surface, outcome=outcome).inc()
        self.slack_ack_seconds.labels(surface=surface).observe(seconds)

    def http_request(self, route: str, status: int) -> None:
        self.http_requests.labels(route=route, status=str(status)).inc()

    def slack_api_call(self, method: str, outcome: str) -> None:
        self.slack_api_calls.labels(method=method, outcome=outcome).inc()

    def slack_api_retry(self, method: str, reason: str) -> None:
        self.slack_api_retries.labels(method=method, reason=reason).inc()

    def reminder_sent(self, rule: str) -> None:
        self.reminders_sent.labels(rule=rule).inc()

    def changes_received(self, sources: Sequence[str], *, new: Sequence[str]) -> None:
        """Count one recording: the source of every change sent, and of those it stored."""
        for source in new:
            self.changes_ingested.labels(source=self._source_label(source), outcome="new").inc()
        repeated = list(sources)
        for source in new:
            repeated.remove(source)
        for source in repeated:
            label = self._source_label(source)
            self.changes_ingested.labels(source=label, outcome="duplicate").inc()

    def _source_label(self, source: str) -> str:
        if source in self._sources:
            return source
        if len(self._sources) >= MAX_SOURCE_LABELS:
            return OTHER_SOURCE
        self._sources.add(source)
        return source

    # -- reading at scrape ----------------------------------------------------------------------

    def watch_projector(self, counts: ProjectorCounts) -> None:
        self.registry.register(_ProjectorCollector(counts))

    async def scrape(
        self,
        *,
        open_by_severity: Callable[[], Awaitable[dict[str, int]]],
        severities: Iterable[str],
        lag: Callable[[], Awaitable[timedelta]],
    ) -> bytes:
        """The exposition text, with what the database knows read now."""
        counts = await open_by_severity()
        # Every severity is shown, 0 included: a series that vanishes cannot be alerted on.
        for severity in severities:
            self.incidents_open.labels(severity=severity).set(counts.get(severity, 0))
        self.projector_lag.set((await lag()).total_seconds())
        return generate_latest(self.registry)
