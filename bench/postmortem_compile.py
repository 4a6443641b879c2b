"""How long compiling a postmortem takes, at 1,000, 10,000 and 100,000 timeline events.

Run from the repository root: `python -m bench.postmortem_compile [--sizes 1000,10000,100000]
[--runs N] [--baseline REF]`. For each size it prints the median wall time over several runs
(compile only: the draft is built before the clock starts), and for the largest size the peak
memory of one compile (tracemalloc). With `--baseline REF` (a git commit, e.g. `main`) the same
measurements run on that commit's code too, each size's runs interleaved between the two in
worker processes so a busy machine slows both alike, and the ratio is printed beside them.
Targets (issue 15): 10k <= 60 ms, 100k <= 600 ms, <= 100 MiB peak at 100k. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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


def measure(events: int, runs: int, *, memory: bool) -> dict[str, Any]:
    """Median and spread of `runs` compiles of a draft of `events` events, and the peak memory
    of one more when asked."""
    draft = build_draft(events)
    now = datetime(2024, 6, 1, tzinfo=UTC)
    compile_postmortem(draft, now=now)  # warm up: template compilation, imports
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        postmortem = compile_postmortem(draft, now=now)
        timings.append(time.perf_counter() - started)
    del postmortem
    peak = None
    if memory:
        gc.collect()
        tracemalloc.start()
        compile_postmortem(draft, now=now)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return {"timings": timings, "peak": peak}


def _worker(tree: Path, events: int, runs: int, memory: bool) -> dict[str, Any]:
    """`measure` in a fresh interpreter importing the code of `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, __file__, "--worker", str(events), str(runs), str(int(memory))]
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _checkout(ref: str, into: Path) -> Path:
    archive = subprocess.run(["git", "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5, help="compiles per size and round")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (baseline)")
    parser.add_argument("--baseline", help="a git ref to measure side by side")
    parser.add_argument("--worker", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        events, runs, memory = args.worker
        print(json.dumps(measure(events, runs, memory=bool(memory))))
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"this tree": here}
        if args.baseline:
            trees = {args.baseline: _checkout(args.baseline, Path(scratch)), "this tree": here}
        rounds = args.rounds if args.baseline else 1
        print(
            f"postmortem compile, median of {args.runs * rounds} runs per size ({rounds} "
            f"interleaved round(s) of {args.runs}); peak memory of one compile at the largest"
        )
        header = f"{'events':>9} " + "".join(f"{name:>22}" for name in trees)
        print(header + ("   ratio" if args.baseline else ""))
        peaks: dict[str, float] = {}
        for events in sizes:
            timings: dict[str, list[float]] = {name: [] for name in trees}
            for round_ in range(rounds):
                for name, tree in trees.items():
                    memory = events == max(sizes) and round_ == rounds - 1
                    result = _worker(tree, events, args.runs, memory)
                    timings[name] += result["timings"]
                    if result["peak"] is not None:
                        peaks[name] = result["peak"]
            medians = {name: statistics.median(values) for name, values in timings.items()}
            line = f"{events:>9,} " + "".join(f"{_ms(m):>22}" for m in medians.values())
            if args.baseline:
                line += f"   {medians['this tree'] / medians[args.baseline]:.2f}x"
            print(line)
        line = f"{'peak MiB':>9} " + "".join(f"{peaks[n] / 1_048_576:>18.1f} MiB" for n in trees)
        print(
            line + (f"   {peaks['this tree'] / peaks[args.baseline]:.2f}x" if args.baseline else "")
        )
        print(f"(at {max(sizes):,} events; tracemalloc)")


if __name__ == "__main__":
    main()
