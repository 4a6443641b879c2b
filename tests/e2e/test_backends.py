"""The whole declare-and-work flow on each database backend (SQLite and PostgreSQL)."""

from __future__ import annotations

from bot.core.incidents.model import Severity
from bot.demo.rehearsal import Rehearsal

ALICE, BOB = "U0ALICE", "U0BOB"


async def test_declare_and_everyday_commands_on_each_backend(pg_rig: Rehearsal) -> None:
    rig = pg_rig
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash("open Judge drift on summaries", user=ALICE, channel=general.id)
    await rig.slack.settle()
    [view] = rig.emulator.open_views(ALICE)
    await rig.slack.submit_view(view.id, {"severity": "S3", "category": "silent_drift"}, user=ALICE)
    await rig.slack.settle()
    [incident] = await rig.runtime.deps.incidents.list_open()
    assert incident.channel_id
    for text in ("severity S2", "role scribe <@U0BOB|bob>", "log judge v7 rolled out Tuesday"):
        await rig.slack.slash(text, user=ALICE, channel=incident.channel_id)
    ts = rig.emulator.post_user_message(incident.channel_id, BOB, "kappa fell to 0.41")
    await rig.slack.react(incident.channel_id, ts, user=ALICE, event_id="Ev0BACKEND")
    await rig.slack.react(incident.channel_id, ts, user=ALICE, event_id="Ev0BACKEND", retry_num=1)
    await rig.slack.settle()

    stored = await rig.runtime.deps.incidents.get(incident.number or 0)
    assert stored.severity is Severity.S2 and stored.scribe_id == BOB
    kinds = [e.kind.value for e in await rig.runtime.deps.incidents.timeline(stored.number or 0)]
    assert kinds.count("slack_message") == 1
    assert {"severity", "role", "note"} <= set(kinds)
