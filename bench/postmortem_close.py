"""How long closing an incident with 10,000 timeline events takes, storage included.

Run from the repository root: `python -m bench.postmortem_close [--events N] [--runs N]`.
Each run closes a fresh incident on a SQLite file through PostmortemService.close: the reads,
the review, the compile, the writes and the (stubbed, instant) Slack calls. Prints the median
wall time; nothing is asserted (see bench/postmortem_compile.py for the compiler alone).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.events import Notice
from bot.core.incidents.card import IncidentCard
from bot.core.incidents.chat_message import SlackMessage
from bot.core.incidents.model import Category, HowDetected, Incident, Severity
from bot.core.incidents.service import IncidentService
from bot.core.postmortem.analysis import ActionCategory, ActionItem, AxisFinding, RootCause
from bot.core.postmortem.forms import ResolutionInput
from bot.core.postmortem.notices import ClosingSummary
from bot.core.postmortem.reader import PostmortemReader
from bot.core.postmortem.service import PostmortemService
from bot.core.timeline import Axis, TimelineEvent, TimelineKind
from storage.engine import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory

START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
KINDS = [TimelineKind.SLACK_MESSAGE] * 6 + [
    TimelineKind.NOTE,
    TimelineKind.UPDATE,
    TimelineKind.MODEL_CHANGE,
    TimelineKind.INDEX_CHANGE,
]


class QuietSlack:
    """Notifier, publisher and directory at once, answering instantly."""

    async def create_channel(self, *, incident: Incident) -> tuple[str, str]:
        return "C0BENCH", "bench"

    async def invite(self, *, channel_id: str, user_ids: list[str]) -> None: ...

    async def post_card(self, *, card: IncidentCard) -> str:
        return "1.0"

    async def update_card(self, *, card: IncidentCard) -> None: ...

    async def post_notice(self, *, notice: Notice) -> None: ...

    async def announce(self, *, incident: Incident) -> None: ...

    async def permalink(self, *, channel_id: str, ts: str) -> str | None:
        return None

    async def fetch_message(self, *, channel_id: str, ts: str) -> SlackMessage | None:
        return None

    async def upload_markdown(
        self,
        *,
        channel_id: str,
        filename: str,
        title: str,
        content: str,
        summary: ClosingSummary,
    ) -> None: ...

    async def archive_channel(self, *, channel_id: str) -> None: ...

    async def display_names(self, *, user_ids: list[str]) -> dict[str, str]:
        return {user: user.lower() for user in user_ids}


async def _seed(uow: SqlUnitOfWorkFactory, events: int) -> int:
    async with uow() as tx:
        incident = await tx.incidents.add(
            incident=Incident(
                title="Refusal swing on high-risk triage queries",
                severity=Severity.S1,
                category=Category.USER_VISIBLE_REGRESSION,
                how_detected=HowDetected.DASHBOARD_ALERT,
                channel_id=f"C0BENCH{time.monotonic_ns()}",
                regression_started_at=START,
                first_alarm_at=START + timedelta(hours=3),
                declared_at=START + timedelta(hours=3, minutes=10),
            )
        )
        number = incident.number or 0
        for i in range(events):
            await tx.timeline.add(
                event=TimelineEvent(
                    incident_number=number,
                    occurred_at=START + timedelta(minutes=i),
                    recorded_at=START + timedelta(minutes=i),
                    kind=KINDS[i % len(KINDS)],
                    actor=f"U0{i % 7}RESPONDER",
                    summary=f"Event {i}: refusal rate on slice {i % 13}",
                )
            )
        await tx.analysis.save_root_cause(
            incident_number=number,
            root_cause=RootCause(
                axes=[
                    AxisFinding(
                        axis=Axis.MODEL,
                        what_changed="Base model version bump",
                        evidence_url="https://status.provider.example/notices/1",
                    )
                ],
                first_axis=Axis.MODEL,
            ),
        )
        await tx.action_items.add(
            incident_number=number,
            item=ActionItem(
                category=ActionCategory.EVAL_SET,
                title="Add the failing prompts as regression cases",
                owner_id="U01OWNER",
                created_at=START,
            ),
        )
    return number


async def _run(events: int, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade(url)
        engine = create_engine(url)
        try:
            uow = SqlUnitOfWorkFactory(create_session_factory(engine))
            slack = QuietSlack()
            service = PostmortemService(
                reader=PostmortemReader(uow=uow, directory=slack),
                incidents=IncidentService(uow=uow, chat=slack),
            )
            timings = []
            for _ in range(runs):
                number = await _seed(uow, events)
                started = time.perf_counter()
                await service.close(
                    number=number,
                    actor="U01COMMANDER",
                    form=ResolutionInput.check({"summary": "Rolled back the model."}),
                )
                timings.append(time.perf_counter() - started)
            return timings
        finally:
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    timings = asyncio.run(_run(args.events, args.runs))
    print(f"events:            {args.events:,}")
    print(f"runs:              {args.runs}")
    print(f"median close:      {statistics.median(timings) * 1000:.0f} ms")
    print(f"min / max:         {min(timings) * 1000:.0f} / {max(timings) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
