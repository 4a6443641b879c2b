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
    CORPUS_UPDATE_AGE,
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
from bot.demo.rehearsal import SHORTCUT_NAMES, Rehearsal, rehearsal
from bot.slack.ids import ActionId, CallbackId
from bot.slack.messages.runbooks import entry_block_id, lever_block_id
from slack_sandbox import SlackEmulator

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
TITLE = "Legal research assistant cites cases that do not exist"
# What Alice guesses when she declares: when the partners' complaints began.
DECLARED_START_AGE = timedelta(days=3)
# The default runbook's last exit criterion: confirmed at the close, once the watch has passed.
WATCH, WATCH_SIGNAL = "monitoring-window-passed", "48 h monitoring window passed"


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
    """The story's clock: it starts at the real time and moves only when the story says time
    passes (`advance`), so the postmortem's figures are the story's, however long the run takes,
    and reminders fall due without anyone waiting. Each reading is a microsecond after the last,
    so things done one after the other keep their order."""

    def __init__(self) -> None:
        self._at = datetime.now(UTC)

    def now(self) -> datetime:
        self._at += timedelta(microseconds=1)
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta


async def _run(database_url: str) -> tuple[str, str, PostmortemDocument, dict[str, str]]:
    clock = DemoClock()
    # Slack stamps messages on the same clock as the app, so a message pinned after the clock
    # jumped sits where it belongs on the timeline.
    emulator = SlackEmulator(shortcuts=SHORTCUT_NAMES, wall_clock=lambda: clock.now().timestamp())
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
    """The incident as it unfolds over an afternoon: the clock jumps between the beats, about
    half an hour of triage, an hour of scoping, and the three-hour re-index that mitigates it."""
    slack, emulator = rig.slack, rig.emulator
    general = emulator.channel_by_name("general")
    assert general is not None

    async def slash(text: str, *, user: str, channel: str) -> None:
        # Each command's answers land before anyone does the next thing, as a reader expects.
        await slack.slash(text, user=user, channel=channel)
        await slack.settle()

    # Before anyone noticed: the team's systems recorded their changes in the ledger.
    declared = clock.now()
    ledger_ids = await seed_ledger(rig, now=declared)
    corpus_updated = declared - CORPUS_UPDATE_AGE

    await slash(f"open {TITLE}", user=ALICE, channel=general.id)
    declare_view = emulator.open_views(ALICE)[-1]
    # Alice's guess: the partners' complaints started three days ago.
    await slack.submit_view(
        declare_view.id,
        {
            "severity": "S2",
            "category": "user_visible_regression",
            "ai_feature": "legal-research-rag",
            "how_detected": "user_report",
            "regression_started_at": int((declared - DECLARED_START_AGE).timestamp()),
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

    # -- Phase 1, triage (about half an hour): confirm it is real, find what changed, set roles
    # and severity, and correct the regression start once the ledger shows what moved.
    clock.advance(timedelta(minutes=2))
    report = emulator.post_user_message(
        channel, BOB, "Partners found fabricated citations in three briefs since Monday."
    )
    await slack.react(channel, report, user=ALICE)
    await slack.settle()
    clock.advance(timedelta(minutes=3))
    # The failing questions themselves become regression cases as they are pasted in.
    await capture_cases(rig, incident, user=CAROL)
    await slash("role comms <@U0BOB|bob>", user=ALICE, channel=channel)
    await slash("role scribe <@U0CAROL|carol>", user=ALICE, channel=channel)
    clock.advance(timedelta(minutes=6))
    await slash(
        "log Nothing changed in the app, the retrieval pipeline or the model deployment "
        "in eight months.",
        user=CAROL,
        channel=channel,
    )
    clock.advance(timedelta(minutes=5))
    await slash(
        "log The legal corpus got 14,000 new court filings six weeks ago; the embedding "
        "index was not rebuilt for them.",
        user=CAROL,
        channel=channel,
    )
    # The digest the incident opened with covers the 7 days before the declared start (three
    # days ago), so the corpus update six weeks back is not in it: widen the window.
    emulator.post_user_message(
        channel,
        CAROL,
        "The opening digest only reaches 7 days before the regression start, and the corpus "
        f"update was six weeks ago. Widening it: `/ai-incident changes {WIDE_DAYS}`.",
    )
    await slash(f"changes {WIDE_DAYS}", user=CAROL, channel=channel)
    await add_from_digest(
        rig,
        incident_number=incident.number or 0,
        channel=channel,
        change_id=ledger_ids[CORPUS_UPDATE],
        user=CAROL,
    )
    clock.advance(timedelta(minutes=4))
    # How we learned: a partner's report an hour before the declaration, no signal at all. The
    # regression started with the corpus update, not three days ago: queries on the new
    # filings had nothing relevant to retrieve from that moment on.
    await record_detection(
        rig,
        incident,
        regression_started=corpus_updated,
        first_alarm=declared - timedelta(hours=1),
    )
    await slash(
        "log Regression start revised from the declared estimate (3 days ago, when partners "
        "noticed) to the corpus update of "
        f"{corpus_updated:%Y-%m-%d %H:%M} UTC in the change ledger: queries on the new filings "
        "could not retrieve them from then on.",
        user=CAROL,
        channel=channel,
    )
    await slash("severity S1", user=ALICE, channel=channel)
    clock.advance(timedelta(minutes=7))
    await _tick_required(rig, incident, "triage", user=CAROL)
    clock.advance(timedelta(minutes=2))
    await _next_phase(rig, incident, user=ALICE)

    # -- Phase 2, scope (about an hour): measure it, and stop the bleeding with a lever.
    clock.advance(timedelta(minutes=12))
    scores = emulator.post_user_message(
        channel,
        CAROL,
        "Average cosine similarity of returned chunks: 0.61 (reliable citations need 0.72).",
    )
    await slack.message_shortcut(
        CallbackId.TIMELINE_SHORTCUT, channel=channel, message_ts=scores, user=CAROL
    )
    await slack.settle()
    clock.advance(timedelta(minutes=18))
    await record_scope(rig, incident)
    clock.advance(timedelta(minutes=10))
    await _pull_lever(
        rig,
        incident,
        "scope",
        "disable-capability",
        authorized_by=ALICE,
        trade_off="Answers carry no case citations until the index is rebuilt; partners "
        "research citations by hand meanwhile.",
        user=BOB,
    )
    clock.advance(timedelta(minutes=5))
    await slash(
        "update Citation generation is disabled while we re-index the corpus (about three "
        "hours). Next update in one hour.",
        user=BOB,
        channel=channel,
    )
    clock.advance(timedelta(minutes=10))
    await _tick_required(rig, incident, "scope", user=CAROL)
    clock.advance(timedelta(minutes=3))
    await _next_phase(rig, incident, user=ALICE)

    # -- Phase 3, mitigate (the re-index takes hours): the cause on its axis, the fix, then
    # the measured exit criteria.
    clock.advance(timedelta(minutes=15))
    await record_root_cause(rig, incident)
    clock.advance(timedelta(hours=1, minutes=5))
    await slash(
        "update The re-index is a third done; citations stay off until it finishes, in about "
        "two hours. Next update then.",
        user=BOB,
        channel=channel,
    )
    clock.advance(timedelta(hours=2, minutes=5))
    await slash(
        "log Re-indexed the full corpus with the current embedding model; relevance back "
        "to 0.81 on the 50 known legal questions.",
        user=CAROL,
        channel=channel,
    )
    clock.advance(timedelta(minutes=10))
    # The cases leave the bot for the eval suite, and the gate proves them on the new index.
    exports = await export_cases(rig, incident)
    await report_gate_run(rig, incident, commit="9f3c2e1")
    clock.advance(timedelta(minutes=8))
    await _tick_required(rig, incident, "mitigate", user=CAROL)
    # Every measured signal is back: the incident is mitigated now. Only the 48-hour watch is
    # left, and it cannot be confirmed before 48 hours have passed.
    measured = await _tick_exit_criteria(rig, incident, "mitigate", user=CAROL, but=[WATCH])
    mitigated = clock.now()
    await slash("phase next", user=ALICE, channel=channel)

    # -- Phase 4, post-incident: the remediation as owned action items during the watch, then
    # the close once it has passed without relapse.
    clock.advance(timedelta(minutes=20))
    due = (clock.now() + timedelta(days=14)).date().isoformat()
    await record_action_items(rig, incident, due=due, jump=clock.advance)
    clock.advance(timedelta(days=2))
    await close(rig, incident, mitigated=mitigated, exit_criteria=[*measured, WATCH_SIGNAL])

    await slash("status", user=CAROL, channel=channel)
    return await rig.runtime.deps.incidents.get(incident.number or 0), exports


async def _checklist_ts(rig: Rehearsal, incident: Incident, phase: str) -> str:
    runs = [r for r in await rig.runtime.deps.phases.runs(incident.number or 0) if r.phase == phase]
    assert runs and runs[-1].checklist_ts, f"no checklist posted for {phase}"
    return runs[-1].checklist_ts


async def _tick_required(rig: Rehearsal, incident: Incident, phase: str, *, user: str) -> None:
    """Tick the phase's required items on its checklist message."""
    assert incident.channel_id is not None
    spec = rig.runtime.deps.runbooks.get(incident.runbook).phase(phase)
    ids = [item.id for item in spec.required_items]
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


async def _tick_exit_criteria(
    rig: Rehearsal, incident: Incident, phase: str, *, user: str, but: list[str]
) -> list[str]:
    """Confirm the phase's exit criteria except `but`; returns the signals confirmed."""
    assert incident.channel_id is not None
    spec = rig.runtime.deps.runbooks.get(incident.runbook).phase(phase)
    ts = await _checklist_ts(rig, incident, phase)
    confirmed = []
    for criterion in spec.exit_criteria:
        if criterion.id in but:
            continue
        await rig.slack.click(
            ActionId.CHECKLIST_TOGGLE,
            user=user,
            channel=incident.channel_id,
            message=ts,
            block_id=entry_block_id(phase, criterion.id),
            selected_options=[criterion.id],
        )
        await rig.slack.settle()
        confirmed.append(criterion.signal)
    return confirmed


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
