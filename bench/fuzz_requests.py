"""How the app answers a flood of malformed requests: 10,000+ in-process, Slack and REST.

Run from the repository root: `python -m bench.fuzz_requests [--requests N] [--seed N]`.

The real app from bot.demo.rehearsal, against the Slack sandbox, on a fresh SQLite file, with
one incident declared. Requests go in through httpx's ASGI transport, as Slack and REST clients
would send them, each a valid request with one value made hostile (tests/slack/hostile_requests
for Slack; the same values for REST):

- *Slack*: signed slash commands (every subcommand), clicks on every action id, submissions of
  every modal, the message shortcut, events — a value anywhere replaced or dropped, including
  those the bot wrote itself into buttons and modal metadata;
- *REST*: every endpoint, with the bearer token, with a Standard Webhooks signature, or with a
  wrong or missing credential, and a body field, query parameter or path number made hostile.

It prints the answers by surface and status class, the tracebacks the app logged (by exception)
and the calls the sandbox refused (by error). Nothing is asserted: tests/slack/test_fuzz_slack.py
and tests/api/test_rest_fuzz.py are the bounded versions that fail CI. Target: 0 answers ≥ 500
and 0 tracebacks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from traceback import format_exception
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.demo.rehearsal import Rehearsal, rehearsal
from slack_sandbox import SlackEmulator
from tests.e2e.ledger_support import BEARER, a_change, signed
from tests.e2e.test_change_webhooks import a_notification, a_prompt_event, an_alert
from tests.rig import API_TOKEN, WEBHOOK_SECRET, sqlite_file_url
from tests.slack.hostile_requests import (
    DROP,
    HOSTILE_VALUES,
    Request,
    Scene,
    declared_incident,
    nested,
    paths_in,
    replaced,
    requests_about,
)

REQUESTS = 10_000
SLACK_SHARE = 0.6
# Background work (notices, reminders) is awaited every so many Slack requests, not after each:
# its tracebacks are counted all the same, and the flood is not slowed to one at a time.
SETTLE_EVERY = 25
NUMBER_PATHS = (
    "/api/v1/incidents/{}",
    "/api/v1/incidents/{}/timeline",
    "/api/v1/incidents/{}/postmortem.md",
    "/api/v1/incidents/{}/postmortem.json",
)
QUERY_PATHS = ("/api/v1/changes", "/api/v1/incidents")
QUERY_NAMES = ("since", "until", "service", "kind", "limit", "status", "cursor")


@dataclass
class Tally:
    answers: Counter[tuple[str, str]] = field(default_factory=Counter)
    tracebacks: Counter[str] = field(default_factory=Counter)
    first_traceback: dict[str, str] = field(default_factory=dict)
    first_5xx: dict[str, str] = field(default_factory=dict)

    def answered(self, surface: str, status: int, request: str) -> None:
        self.answers[surface, f"{status // 100}xx"] += 1
        if status >= 500:
            self.first_5xx.setdefault(surface, request[:300])


class _TracebackCounter(logging.Handler):
    def __init__(self, tally: Tally) -> None:
        super().__init__(level=logging.ERROR)
        self._tally = tally

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            what = f"{type(error).__name__}: {_gist(error)}"
            self._tally.tracebacks[what] += 1
            self._tally.first_traceback.setdefault(what, "".join(format_exception(error)))


def _gist(error: BaseException) -> str:
    """One line per kind: Slack's refusals by method and error code, others by message."""
    if isinstance(error, SlackApiError):
        method = str(error.response.api_url).rsplit("/", 1)[-1]
        return f"Slack refused {method}: {error.response.get('error')}"
    return str(error).splitlines()[0][:120] if str(error) else ""


def _hostile(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.6:
        return rng.choice([*HOSTILE_VALUES, DROP])
    if pick < 0.7:
        return nested(rng.choice([10, 50, 200]))
    if pick < 0.85:
        return rng.choice([rng.randint(-(2**70), 2**70), rng.randint(-5, 5)])
    return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 30)))


def _scene(rig: Rehearsal, number: int, channel: str) -> Scene:
    return Scene(
        incident_number=number,
        channel_id=channel,
        user_id="U0ALICE",
        trigger_id=rig.emulator.mint_trigger_id(user="U0ALICE"),
        response_url=rig.emulator.mint_response_url(channel_id=channel, user_id="U0ALICE"),
    )


async def _slack_request(rig: Rehearsal, rng: random.Random, scene: Scene, tally: Tally) -> None:
    start = rng.choice(requests_about(scene))
    request = replaced(start, rng.choice(paths_in(start.body)), _hostile(rng))
    body, headers = request.encoded()
    response = await rig.slack.raw(body, headers)
    tally.answered(f"slack {request.surface}", response.status_code, body.decode())


def _rest_documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        ("/api/v1/changes", {"changes": [a_change("sha-bench")]}),
        ("/api/v1/changes", a_change("sha-bench")),
        ("/api/v1/incidents", {"title": "Citation precision under 0.9", "severity": "S2",
                               "category": "silent_drift", "ai_feature": "legal-research-rag"}),
        ("/api/v1/webhooks/alertmanager", a_notification(an_alert())),
        ("/api/v1/webhooks/langfuse", a_prompt_event("evt-bench", 4, ["production"])),
    ]  # fmt: skip


def _credentials(rng: random.Random, body: bytes) -> dict[str, str]:
    how = rng.choice(["bearer", "bearer", "signed", "wrong", "none"])
    if how == "bearer":
        return dict(BEARER)
    if how == "signed":
        return signed(body, delivery_id=f"msg_{rng.getrandbits(48)}")
    if how == "wrong":
        return {"Authorization": "Bearer not-the-token"}
    return {}


def _text(value: Any) -> str:
    """A hostile value as a query parameter says it (a dropped one: present and empty)."""
    if value is DROP:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


async def _rest_request(rig: Rehearsal, rng: random.Random, tally: Tally) -> None:
    kind = rng.choice(["body", "body", "query", "number"])
    if kind == "body":
        path, document = rng.choice(_rest_documents())
        start = Request("rest", "json", document)
        request = replaced(start, rng.choice(paths_in(start.body)), _hostile(rng))
        body = json.dumps(request.body).encode()
        response = await rig.http.post(path, content=body, headers=_credentials(rng, body))
        surface, shown = f"rest POST {path}", body.decode()
    elif kind == "query":
        path = rng.choice(QUERY_PATHS)
        names = rng.sample(QUERY_NAMES, rng.randint(1, 3))
        # A URL holds no NUL and at most 64 KB of query (httpx refuses to build more).
        params = {name: _text(_hostile(rng)).replace("\x00", "")[:2000] for name in names}
        response = await rig.http.get(path, params=params, headers=BEARER)
        surface, shown = f"rest GET {path}", str(params)
    else:
        number = rng.choice(["0", "1", "2", str(2**31), str(2**63), "9" * 40, "-1", "²"])
        path = rng.choice(NUMBER_PATHS).format(number)
        response = await rig.http.get(path, headers=BEARER)
        surface, shown = "rest GET /api/v1/incidents/{n}/…", path
    tally.answered(surface, response.status_code, shown)


async def flood(requests: int, seed: int, folder: Path) -> tuple[Tally, Counter[str], float]:
    tally = Tally()
    counter = _TracebackCounter(tally)
    logging.getLogger().addHandler(counter)
    rng = random.Random(seed)
    emulator = SlackEmulator()
    try:
        async with rehearsal(
            database_url=sqlite_file_url(folder),
            emulator=emulator,
            api_token=API_TOKEN,
            webhook_secret=WEBHOOK_SECRET,
        ) as rig:
            number, channel = await declared_incident(rig)
            started = time.perf_counter()
            sent_to_slack = 0
            for _ in range(requests):
                if rng.random() < SLACK_SHARE:
                    await _slack_request(rig, rng, _scene(rig, number, channel), tally)
                    sent_to_slack += 1
                    if sent_to_slack % SETTLE_EVERY == 0:
                        await rig.slack.settle(timeout=30)
                else:
                    await _rest_request(rig, rng, tally)
            await rig.slack.settle(timeout=30)
            elapsed = time.perf_counter() - started
    finally:
        logging.getLogger().removeHandler(counter)
    refusals = Counter(str(r.error) for r in emulator.rejections)
    return tally, refusals, elapsed


def report(tally: Tally, refusals: Counter[str], elapsed: float, *, verbose: bool) -> None:
    total = sum(tally.answers.values())
    print(f"{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s)\n")
    classes = sorted({status for _, status in tally.answers})
    print(f"{'surface':<44}" + "".join(f"{c:>8}" for c in classes))
    for surface in sorted({s for s, _ in tally.answers}):
        counts = "".join(f"{tally.answers[surface, c]:>8}" for c in classes)
        print(f"{surface:<44}{counts}")
    print(f"{'all':<44}" + "".join(
        f"{sum(n for (_, c), n in tally.answers.items() if c == status):>8}" for status in classes
    ))  # fmt: skip
    print(f"\ntracebacks logged: {sum(tally.tracebacks.values())}")
    for what, count in tally.tracebacks.most_common(10):
        print(f"  {count:>6}  {what}")
        if verbose:
            print(tally.first_traceback[what])
    print(f"calls the sandbox refused (as Slack would): {sum(refusals.values())}")
    for error, count in refusals.most_common():
        print(f"  {count:>6}  {error}")
    for surface, request in tally.first_5xx.items():
        print(f"first 5xx on {surface}: {request}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--tracebacks", action="store_true", help="show one of each kind")
    args = parser.parse_args()
    # Only errors reach the counter; the app's WARNING lines (one per refused request) and the
    # errors themselves stay off the screen, which is for the report.
    logging.getLogger().setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        tally, refusals, elapsed = asyncio.run(flood(args.requests, args.seed, Path(folder)))
    report(tally, refusals, elapsed, verbose=args.tracebacks)


if __name__ == "__main__":
    main()
