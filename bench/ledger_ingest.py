"""Change-ledger ingestion over HTTP: changes/s for batches of 1,000, first sends and a replay.

Run from the repository root:

    python -m bench.ledger_ingest [--batches 5] [--runs 3] [--postgres URL] [--against DIR]

Each run starts `ai-incident serve` (a Slack sandbox, a fresh SQLite file or the PostgreSQL
database at URL), opens an incident through the REST API whose AI feature the changes are filed
under (so every new change also lands on its timeline, as in a live incident), then POSTs
`--batches` batches of 1,000 new changes to /api/v1/changes, each signed with Standard Webhooks,
and finally the first batch again under a new delivery id (a producer replaying: all 1,000 are
duplicates). Prints changes/s per batch and the medians over the runs.

`--against DIR` runs another source tree (e.g. `git archive main | tar -x -C DIR`) the same way,
interleaved with this one, run by run, and prints both side by side. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench._serving import (
    API_TOKEN,
    HERE,
    WEBHOOK_SECRET,
    environment,
    run_command,
    sandbox,
    serve_settings,
    serving,
)
from bot.api.auth import signature_headers

BATCH = 1000


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def batch(run: str, feature: str, number: int) -> list[dict[str, Any]]:
    base = datetime.now(UTC) - timedelta(hours=6)
    kinds = ["model", "prompt", "routing", "index", "judge", "tool", "config", "traffic"]
    return [
        {
            "source": f"bench-{run}",
            "external_id": f"{number:03d}-{i:05d}",
            "kind": kinds[i % len(kinds)],
            "occurred_at": iso(base + timedelta(seconds=i)),
            "service": feature,
            "before": f"v{i}",
            "after": f"v{i + 1}",
            "summary": f"bench change {number}/{i}",
            "url": f"https://ci.example.com/{run}/{number}/{i}",
            "actor": "bench",
            "attributes": {"gen_ai.request.model": "gpt-4o", "config.key": f"k{i % 17}"},
        }
        for i in range(BATCH)
    ]


def post(client: httpx.Client, base: str, changes: list[dict[str, Any]]) -> float:
    """Seconds for one signed POST of the batch (and the answer read whole)."""
    body = json.dumps({"changes": changes}).encode()
    headers = {
        **signature_headers(body, WEBHOOK_SECRET, delivery_id=f"msg_{uuid.uuid4().hex}"),
        "Content-Type": "application/json",
    }
    started = time.perf_counter()
    response = client.post(f"{base}/api/v1/changes", content=body, headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"POST /api/v1/changes answered {response.status_code}: {response.text}")
    answered = response.json()["changes"]
    if [(c["source"], c["external_id"]) for c in answered] != [
        (c["source"], c["external_id"]) for c in changes
    ]:
        raise SystemExit("the answer does not list the changes sent, in order")
    return elapsed


def one_run(tree: Path, *, batches: int, postgres: str | None) -> tuple[list[float], float]:
    """Changes/s of each first batch, and of the replayed first batch."""
    run = uuid.uuid4().hex[:10]
    feature = f"bench-feature-{run}"
    with tempfile.TemporaryDirectory() as folder, sandbox() as slack:
        cwd = Path(folder)
        url = postgres or f"sqlite:///{cwd / 'bench.db'}"
        env = environment(tree, serve_settings(slack, url))
        run_command(tree, ["db", "upgrade"], env, cwd)
        with serving(tree, env, cwd) as served, httpx.Client(timeout=120) as client:
            opened = client.post(
                f"{served.base_url}/api/v1/incidents",
                json={"title": "bench: answers regressed", "ai_feature": feature},
                headers={"Authorization": f"Bearer {API_TOKEN}"},
            )
            if opened.status_code != 201:
                raise SystemExit(f"opening the incident answered {opened.status_code}")
            sent = [batch(run, feature, number) for number in range(batches)]
            firsts = [BATCH / post(client, served.base_url, changes) for changes in sent]
            replay = BATCH / post(client, served.base_url, sent[0])
    return firsts, replay


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to ingest into")
    parser.add_argument("--against", metavar="DIR", type=Path, help="another tree, interleaved")
    args = parser.parse_args()
    trees = {"this tree": HERE}
    if args.against is not None:
        trees = {f"against ({args.against})": args.against.resolve(), **trees}
    backend = "PostgreSQL" if args.postgres else "SQLite"
    firsts: dict[str, list[float]] = {name: [] for name in trees}
    replays: dict[str, list[float]] = {name: [] for name in trees}
    print(f"{backend}, batches of {BATCH} over HTTP, {args.batches} batches + 1 replay per run")
    for number in range(args.runs):
        for name, tree in trees.items():
            got, replay = one_run(tree, batches=args.batches, postgres=args.postgres)
            firsts[name].extend(got)
            replays[name].append(replay)
            shown = " ".join(f"{rate:,.0f}" for rate in got)
            print(f"  run {number + 1} {name}: first batches {shown} /s; replay {replay:,.0f} /s")
    print("medians (changes/s):")
    for name in trees:
        first = statistics.median(firsts[name])
        replay = statistics.median(replays[name])
        print(
            f"  {name:40} first {first:8,.0f}  replay {replay:8,.0f}"
            f"  replay/first {replay / first:.2f}"
        )


if __name__ == "__main__":
    main()
