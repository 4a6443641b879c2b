"""How long compiling a postmortem takes for an incident with 10,000 timeline events.

Run from the repository root: `python -m bench.postmortem_compile [--events N] [--runs N]`.
Prints the median wall time over several runs and the peak memory of one run (tracemalloc).
The target is under a second for 10,000 events; the timing is printed, never asserted, so a
slow CI machine reports a number instead of failing a build.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

from bot.core.incidents.model import Category, HowDetected, Incident, Severity, Status
from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    AxisFinding,
    Detection,
    Resolution,
    RootCause,
    SliceImpact,
    WhyNotCaught,
)
from bot.core.postmortem.compiler import PostmortemInput, compile_postmortem
from bot.core.timeline import Axis, TimelineEvent, TimelineKind

START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
# Mostly chat and notes, as in a long incident, with a control-plane change every so often.
KIND_CYCLE = [TimelineKind.SLACK_MESSAGE] * 6 + [
    TimelineKind.NOTE,
    TimelineKind.UPDATE,
    TimelineKind.MODEL_CHANGE,
    TimelineKind.INDEX_CHANGE,
]


def build_draft(events: int) -> PostmortemInput:
    incident = Incident(
        number=42,
        title="Refusal swing on high-risk triage queries",
        severity=Severity.S1,
        category=Category.USER_VISIBLE_REGRESSION,
        how_detected=HowDetected.DASHBOARD_ALERT,
        description="Refusals on high-risk queries fell from 100% to 5% over 72 h.",
        status=Status.CLOSED,
        commander_id="U01COMMANDER",
        regression_started_at=START,
        first_alarm_at=START + timedelta(hours=3),
        declared_at=START + timedelta(hours=3, minutes=10),
        mitigated_at=START + timedelta(hours=9),
        closed_at=START + timedelta(days=8),
    )
    timeline = [
        TimelineEvent(
            id=i,
            incident_number=42,
            occurred_at=START + timedelta(minutes=i),
            recorded_at=START + timedelta(minutes=i, seconds=5),
            kind=KIND_CYCLE[i % len(KIND_CYCLE)],
            actor=f"U0{i % 7}RESPONDER",
            summary=f"Event {i}: refusal rate on slice {i % 13} | <@U0{i % 7}X> see log",
            permalink=f"https://example.slack.com/archives/C042/p{1714550400 + i * 60}",
        )
        for i in range(events)
    ]
    actions = [
        ActionItem(
            id=n,
            category=list(ActionCategory)[n % 3],
            title=f"Action {n}: add the failing pattern {n} as a regression case",
            owner_id="U01OWNER",
            due=date(2024, 6, 1),
            created_at=START + timedelta(days=1),
        )
        for n in range(1, 13)
    ]
    return PostmortemInput(
        incident=incident,
        detection=Detection(
            how=HowDetected.DASHBOARD_ALERT,
            signal="refusal-rate drift",
            signal_url="https://grafana.example.com/d/refusals",
            what_we_missed="Refusal rate by risk category was not monitored.",
        ),
        slices=[
            SliceImpact(
                id=n, slice=f"slice {n}", metric="refusal rate (%)", baseline=100, incident_value=5
            )
            for n in range(20)
        ],
        root_cause=RootCause(
            axes=[
                AxisFinding(
                    axis=Axis.MODEL,
                    what_changed="Base model version bump",
                    evidence_url="https://status.provider.example/notices/1",
                )
            ],
            first_axis=Axis.MODEL,
            why_not_caught=WhyNotCaught.EVAL_COVERAGE_GAP,
        ),
        action_items=actions,
        timeline=timeline,
        resolution=Resolution(summary="Rolled back the model.", mitigated_at=incident.mitigated_at),
        user_names={f"U0{n}RESPONDER": f"responder{n}" for n in range(7)},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    draft = build_draft(args.events)
    now = datetime(2024, 6, 1, tzinfo=UTC)
    compile_postmortem(draft, now=now)  # warm up: template compilation, imports

    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        postmortem = compile_postmortem(draft, now=now)
        timings.append(time.perf_counter() - started)

    tracemalloc.start()
    compile_postmortem(draft, now=now)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"events:            {args.events:,}")
    print(f"runs:              {args.runs}")
    print(f"median time:       {statistics.median(timings) * 1000:.0f} ms")
    print(f"min / max:         {min(timings) * 1000:.0f} / {max(timings) * 1000:.0f} ms")
    print(f"peak memory:       {peak / 1_048_576:.1f} MiB (tracemalloc, one run)")
    print(f"markdown size:     {len(postmortem.markdown) / 1024:.0f} KiB")
    print(f"review flags:      {len(postmortem.flags)}")


if __name__ == "__main__":
    main()
