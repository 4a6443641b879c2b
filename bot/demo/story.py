"""`ai-incident demo`: the legal-RAG citation incident, played through the real app.

The scenario is case study 1 of the seed (a law firm's research assistant citing cases that do
not exist, after 14,000 new filings went into the corpus without re-embedding). Every step is a
signed Slack request to the app, which talks to the local Slack sandbox; nothing is mocked.
The transcript is what people in the workspace would have seen.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.incidents.model import Incident
from bot.core.postmortem.reader import PostmortemDocument
from bot.core.timeline import TimelineEvent
from bot.demo.cases import capture_cases, export_cases, report_gate_run
from bot.demo.ledger import (
    CORPUS_UPDATE,
    DEMO_WEBHOOK_SECRET,
    WIDE_DAYS,
    add_from_digest,
    seed_ledger,
)
from bot.demo.postmortem import (
    close,
    record_action_items,
    record_detection,
    record_root_cause,
    record_scope,
)
from bot.demo.rehearsal import Rehearsal, rehearsal
from bot.slack.ids import ActionId, CallbackId
from bot.slack.messages.runbooks import entry_block_id, lever_block_id
from slack_sandbox import SlackEmulator

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
TITLE = "Legal research assistant cites cases that do not exist"


def run_demo(out: Path) -> int:
    logging.getLogger().setLevel(logging.WARNING)
    out.mkdir(parents=True, exist_ok=True)
    database = out / "ai-incident-demo.db"
    for stale in out.glob("ai-incident-demo.db*"):
        stale.unlink()  # every run starts from an empty workspace and database
    transcript, timeline_text, postmortem, exports = asyncio.run(
        _run(f"sqlite+aiosqlite:///{database.resolve()}")
    )
    for name, content in exports.items():
        (out / name).write_text(content)
    (out / "transcript.txt").write_text(transcript)
    (out / "timeline.md").write_text(timeline_text)
    (out / "postmortem.md").write_text(postmortem.postmortem.markdown)
    (out / "postmortem.json").write_text(
        json.dumps(postmortem.postmortem.data, indent=2, ensure_ascii=False) + "\n"
    )
    print(transcript)
    print(timeline_text)
    print(postmortem.postmortem.markdown)
    written = ", ".join(
        str(out / name)
        for name in ("transcript.txt", "timeline.md", "postmortem.md", "postmortem.json", *exports)
    )
    print(f"Wrote {written}", file=sys.stderr)
    return 0


class DemoClock:
    """Real time, plus however far the demo has jumped ahead: reminders fall due without
    anyone waiting for them."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


async def _run(database_url: str) -> tuple[str, str, PostmortemDocument, dict[str, str]]:
    clock = DemoClock()
    emulator = SlackEmulator()
    announce = emulator.add_channel("ai-incidents")
    async with rehearsal(
        database_url=database_url,
        emulator=emulator,
        announce_channel=announce.id,
        webhook_secret=DEMO_WEBHOOK_SECRET,
        clock=clock,
    ) as rig:
        incident, exports = await _play(rig, clock)
        timeline = await rig.runtime.deps.incidents.timeline(incident.number or 0)
        postmortem = await rig.runtime.deps.postmortems.document(incident.number or 0)
    names = {user.id: user.name for user in emulator.users}
    timeline_text = render_timeline(incident, timeline, names)
    return emulator.transcript(), timeline_text, postmortem, exports


async def _play(rig: Rehearsal, clock: DemoClock) -> tuple[Incident, dict[str, str]]:
    slack, emulator = rig.slack, rig.emulator
    general = emulator.channel_by_name("general")
    assert general is not None

    # Before anyone noticed: the team's systems recorded their changes in the ledger.
    ledger_ids = await seed_ledger(rig, now=datetime.now(UTC))

    await slack.slash(f"open {TITLE}", user=ALICE, channel=general.id)
    await slack.settle()
    declare_view = emulator.open_views(ALICE)[-1]
    started = datetime.now(UTC) - timedelta(days=3)
    await slack.submit_view(
        declare_view.id,
        {
            "severity": "S2",
            "category": "user_visible_regression",
            "ai_feature": "legal-research-rag",
            "how_detected": "user_report",
            "regression_started_at": int(started.timestamp()),
            "description": (
                "The assistant returns case citations with real-looking names, courts and "
                "docket numbers that do not exist. It should cite a real case or say that no "
                "relevant case law was found."
            ),
        },
        user=ALICE,
    )
    await slack.settle()
    [incident] = await rig.runtime.deps.incidents.list_open()
    channel = incident.channel_id
    assert channel is not None

    # -- Phase 1, triage: confirm it is real, find what changed, set roles and severity.
    report = emulator.post_user_message(
        channel, BOB, "Partners found fabricated citations in three briefs since Monday."
    )
    await slack.react(channel, report, user=ALICE)
    # The failing questions themselves become regression cases as they are pasted in.
    await capture_cases(rig, incident, user=CAROL)
    await slack.slash("role comms <@U0BOB|bob>", user=ALICE, channel=channel)
    await slack.slash("role scribe <@U0CAROL|carol>", user=ALICE, channel=channel)
    await slack.slash(
        "log Nothing changed in the app, the retrieval pipeline or the model deployment "
        "in eight months.",
        user=CAROL,
        channel=channel,
    )
    await slack.slash(
        "log The legal corpus got 14,000 new court filings six weeks ago; the embedding "
        "index was not rebuilt for them.",
        user=CAROL,
        channel=channel,
    )
    # The digest the incident opened with covers the 7 days before the regression start
    # (three days ago), so the corpus update six weeks back is not in it: widen the window.
    emulator.post_user_message(
        channel,
        CAROL,
        "The opening digest only reaches 7 days before the regression start, and the corpus "
        f"update was six weeks ago. Widening it: `/ai-incident changes {WIDE_DAYS}`.",
    )
    await slack.slash(f"changes {WIDE_DAYS}", user=CAROL, channel=channel)
    await slack.settle()
    await add_from_digest(
        rig,
        incident_number=incident.number or 0,
        channel=channel,
        change_id=ledger_ids[CORPUS_UPDATE],
        user=CAROL,
    )
    # How we learned: a partner's report an hour before the declaration, no signal at all.
    await record_detection(rig, incident, first_alarm=datetime.now(UTC) - timedelta(hours=1))
    await slack.slash("severity S1", user=ALICE, channel=channel)
    await slack.settle()
    await _tick_required(rig, incident, "triage", user=CAROL)
    await _next_phase(rig, incident, user=ALICE)

    # -- Phase 2, scope: measure it, and stop the bleeding with a recorded lever.
    scores = emulator.post_user_message(
        channel,
        CAROL,
        "Average cosine similarity of returned chunks: 0.61 (reliable citations need 0.72).",
    )
    await slack.message_shortcut(
        CallbackId.TIMELINE_SHORTCUT, channel=channel, message_ts=scores, user=CAROL
    )
    await record_scope(rig, incident)
    await _pull_lever(
        rig,
        incident,
        "scope",
        "disable-capability",
        authorized_by=ALICE,
        trade_off="Answers carry no case citations until the index is rebuilt; partners "
        "research citations by hand for a day.",
        user=BOB,
    )
    await slack.slash(
        "update Citation generation is disabled while we re-index the corpus. "
        "Next update in one hour.",
        user=BOB,
        channel=channel,
    )
    await _tick_required(rig, incident, "scope", user=CAROL)
    await _next_phase(rig, incident, user=ALICE)

    # -- Phase 3, mitigate: the cause on its axis, the fix, then the measured exit criteria.
    await record_root_cause(rig, incident)
    await slack.slash(
        "log Re-indexed the full corpus with the current embedding model; relevance back "
        "to 0.81 on the 50 known legal questions.",
        user=CAROL,
        channel=channel,
    )
    # The cases leave the bot for the eval suite, and the gate proves them on the new index.
    exports = await export_cases(rig, incident)
    await report_gate_run(rig, incident, commit="9f3c2e1")
    await _tick_required(rig, incident, "mitigate", user=CAROL, exit_criteria=True)
    await slack.slash("phase next", user=ALICE, channel=channel)
    await slack.settle()

    # -- Phase 4, post-incident: the remediation as owned action items, then the close.
    due = (datetime.now(UTC) + timedelta(days=14)).date().isoformat()
    await record_action_items(rig, incident, due=due, jump=clock.advance)
    await close(rig, incident)

    await slack.slash("status", user=CAROL, channel=channel)
    await slack.settle()
    return await rig.runtime.deps.incidents.get(incident.number or 0), exports


async def _checklist_ts(rig: Rehearsal, incident: Incident, phase: str) -> str:
    runs = [r for r in await rig.runtime.deps.phases.runs(incident.number or 0) if r.phase == phase]
    assert runs and runs[-1].checklist_ts, f"no checklist posted for {phase}"
    return runs[-1].checklist_ts


async def _tick_required(
    rig: Rehearsal, incident: Incident, phase: str, *, user: str, exit_criteria: bool = False
) -> None:
    """Tick the phase's required items (and exit criteria) on its checklist message."""
    assert incident.channel_id is not None
    spec = rig.runtime.deps.runbooks.get(incident.runbook).phase(phase)
    ids = [item.id for item in spec.required_items]
    if exit_criteria:
        ids += [criterion.id for criterion in spec.exit_criteria]
    ts = await _checklist_ts(rig, incident, phase)
    for entry_id in ids:
        await rig.slack.click(
            ActionId.CHECKLIST_TOGGLE,
            user=user,
            channel=incident.channel_id,
            message=ts,
            block_id=entry_block_id(phase, entry_id),
            selected_options=[entry_id],
        )
        await rig.slack.settle()


async def _next_phase(rig: Rehearsal, incident: Incident, *, user: str) -> None:
    assert incident.channel_id is not None
    current = (await rig.runtime.deps.incidents.get(incident.number or 0)).phase
    await rig.slack.click(
        ActionId.PHASE_NEXT,
        user=user,
        channel=incident.channel_id,
        message=await _checklist_ts(rig, incident, current),
    )
    await rig.slack.settle()


async def _pull_lever(
    rig: Rehearsal,
    incident: Incident,
    phase: str,
    lever: str,
    *,
    authorized_by: str,
    trade_off: str,
    user: str,
) -> None:
    assert incident.channel_id is not None
    await rig.slack.click(
        ActionId.LEVER_CHOOSE,
        user=user,
        channel=incident.channel_id,
        message=await _checklist_ts(rig, incident, phase),
        block_id=lever_block_id(phase),
        selected_option=lever,
    )
    await rig.slack.settle()
    modal = rig.emulator.open_views(user)[-1]
    await rig.slack.submit_view(
        modal.id,
        {"lever_authorized_by": authorized_by, "lever_trade_off": trade_off},
        user=user,
    )
    await rig.slack.settle()


def render_timeline(incident: Incident, events: list[TimelineEvent], names: dict[str, str]) -> str:
    lines = [f"# Timeline of incident #{incident.number}: {incident.title}", ""]
    for event in events:
        when = event.occurred_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        axis = f" [{event.axis.value}]" if event.axis else ""
        link = f" ({event.permalink})" if event.permalink else ""
        who = f" — {event.actor}" if event.actor else ""
        summary = event.named_summary(lambda user_id: "@" + names.get(user_id, user_id))
        lines.append(f"- {when} · {event.kind.value}{axis}: {summary}{who}{link}")
    return "\n".join(lines) + "\n"
