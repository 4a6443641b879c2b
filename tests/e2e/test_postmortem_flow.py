"""An incident from declaration through detection, scope, root cause and action items to the
close, over signed HTTP against the sandbox: the postmortem posted in the channel is compiled
from exactly what was recorded, with the times computed."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.incidents.model import Incident, Status
from bot.core.postmortem.analysis import ActionStatus
from bot.core.timeline import Axis
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId, CallbackId
from slack_sandbox import SlackEmulator
from slack_sandbox.state import ViewRecord
from tests.rig import OpenRig

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
TITLE = "Legal research assistant cites cases that do not exist"

# Whole minutes: the datetime pickers carry epoch seconds.
NOW = int(time.time()) // 60 * 60
STARTED = NOW - 4 * 86_400
FIRST_ALARM = STARTED + 2 * 86_400 + 22 * 3_600  # time-to-detect: 2 d 22 h
MITIGATED = FIRST_ALARM + 5 * 3_600  # time-to-mitigate: 5 h
CORPUS_UPDATE = STARTED - 3_600
DUE = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()


def utc(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


@pytest.fixture
async def any_rig(database_url: str, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    """The app on either backend, with a REST token and no reminder tick in the way."""
    emulator = SlackEmulator()
    async with open_rig(
        database_url=database_url,
        emulator=emulator,
        api_token="pm-test-token",
        reminder_tick_seconds=0,
    ) as running:
        yield running


async def declare(rig: Rehearsal, *, severity: str = "S2", **values: Any) -> Incident:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash(f"open {TITLE}", user=ALICE, channel=general.id)
    await rig.slack.settle()
    view = rig.emulator.open_views(ALICE)[-1]
    fields = {"severity": severity, "category": "user_visible_regression", **values}
    await rig.slack.submit_view(view.id, fields, user=ALICE)
    await rig.slack.settle()
    incidents = await rig.runtime.deps.incidents.list_open()
    return max(incidents, key=lambda i: i.number or 0)


async def command(rig: Rehearsal, text: str, *, user: str, channel: str) -> ViewRecord:
    """Type the command and return the modal it opened (the top one of the user)."""
    await rig.slack.slash(text, user=user, channel=channel)
    await rig.slack.settle()
    return rig.emulator.open_views(user)[-1]


async def submit(rig: Rehearsal, view: ViewRecord, values: dict[str, Any], *, user: str) -> Any:
    response = await rig.slack.submit_view(view.id, values, user=user)
    await rig.slack.settle()
    assert response.status_code == 200
    return response.json() if response.content else None


async def click(rig: Rehearsal, action_id: str, *, user: str, view: ViewRecord, **kw: Any) -> None:
    await rig.slack.click(action_id, user=user, view_id=view.id, **kw)
    await rig.slack.settle()


def notices(rig: Rehearsal, channel: str) -> list[str]:
    return [m.text for m in rig.emulator.messages(channel)]


async def test_an_incident_runs_through_every_form_to_a_posted_postmortem(
    any_rig: Rehearsal,
) -> None:
    rig = any_rig
    deps = rig.runtime.deps
    incident = await declare(
        rig,
        how_detected="user_report",
        regression_started_at=STARTED,
        ai_feature="legal-research-rag",
        description="Citations to cases that do not exist; it should cite real ones.",
    )
    number, channel = incident.number or 0, incident.channel_id or ""

    # A control-plane change lands on the timeline; the root-cause form will suggest its axis.
    change = await command(rig, "change", user=CAROL, channel=channel)
    await submit(
        rig,
        change,
        {
            "change_kind": "index",
            "change_occurred_at": CORPUS_UPDATE,
            "change_url": "https://git.example.com/legal-rag/corpus/-/merge_requests/318",
            "change_note": "Corpus update: 14,000 court filings added; index not rebuilt",
        },
        user=CAROL,
    )

    # -- detection: prefilled from the declaration; time-to-detect computed ----------------
    view = await command(rig, "detection", user=CAROL, channel=channel)
    assert view.payload["callback_id"] == CallbackId.DETECTION_MODAL
    started_input = next(
        b for b in view.blocks if b.get("block_id") == "detection.regression_started_at"
    )
    assert started_input["element"]["initial_date_time"] == STARTED
    await submit(
        rig,
        view,
        {
            "how": "user_report",
            "signal": "Partner escalation: fabricated citation in a brief",
            "signal_url": "https://support.example.com/tickets/4471",
            "first_alarm_at": FIRST_ALARM,
            "what_we_missed": "No retrieval quality monitoring: relevance of returned chunks "
            "was not tracked.",
        },
        user=CAROL,
    )
    assert any("time-to-detect 2 d 22 h" in t for t in notices(rig, channel))

    # -- scope: rows added in a form pushed over the list, one edited, one removed ---------
    scope = await command(rig, "scope", user=BOB, channel=channel)
    rows = [
        ("Queries on the new filings", "citation accuracy (%)", "97", "61", "212"),
        ("Queries on older case law", "citation accuracy (%)", "97", "96", "38"),
        ("A row added by mistake", "anything", "1", "1", ""),
    ]
    for slice_, metric, baseline, value, users in rows:
        await click(rig, ActionId.SCOPE_ADD_ROW, user=BOB, view=scope)
        row_form = rig.emulator.open_views(BOB)[-1]
        assert row_form.payload["callback_id"] == CallbackId.SLICE_MODAL
        await submit(
            rig,
            row_form,
            {
                "slice": slice_,
                "metric": metric,
                "baseline": baseline,
                "incident_value": value,
                "users_affected": users or None,
            },
            user=BOB,
        )
    scope = rig.emulator.view(scope.id)
    assert "A row added by mistake" in str(scope.blocks)  # the list was re-rendered
    stored = (await deps.postmortems.analysis_of(number)).slices
    older, mistake = stored[1], stored[2]
    await click(rig, ActionId.SCOPE_EDIT_ROW, user=BOB, view=scope, value=f"{number}:{older.id}")
    edit_form = rig.emulator.open_views(BOB)[-1]
    assert edit_form.payload["callback_id"] == CallbackId.SLICE_MODAL
    await submit(rig, edit_form, {"incident_value": "95"}, user=BOB)
    await click(
        rig, ActionId.SCOPE_REMOVE_ROW, user=BOB, view=scope, value=f"{number}:{mistake.id}"
    )
    stored = (await deps.postmortems.analysis_of(number)).slices
    assert [(r.slice, r.incident_value, r.users_affected) for r in stored] == [
        ("Queries on the new filings", 61, 212),
        ("Queries on older case law", 95, 38),
    ]
    assert "A row added by mistake" not in str(rig.emulator.view(scope.id).blocks)

    # -- root cause: the Data axis is suggested from the timeline --------------------------
    view = await command(rig, "rootcause", user=CAROL, channel=channel)
    assert view.payload["callback_id"] == CallbackId.ROOT_CAUSE_MODAL
    assert "index_change" in str(view.blocks) and "Control-plane changes" in str(view.blocks)
    await submit(
        rig,
        view,
        {
            "axes": ["data", "model"],
            "first_axis": "data",
            "what_changed.data": "14,000 filings added to the corpus; embedding index not rebuilt",
            "evidence_url.data": "https://git.example.com/legal-rag/corpus/-/merge_requests/318",
            "what_changed.model": "Answer model kept generating citations without context",
            "evidence_url.model": "https://traces.example.com/t/9f1c",
            "why_not_caught": "eval_coverage_gap",
            "why_not_caught_text": "No eval checks citations against ground truth.",
            "contributing_factors": ["observability_gap", "data_fragility"],
            "layer": "data",
        },
        user=CAROL,
    )
    root = (await deps.postmortems.analysis_of(number)).root_cause
    assert root is not None and root.first_axis is Axis.DATA
    assert [f.axis for f in root.axes] == [Axis.DATA, Axis.MODEL]

    # -- action items ----------------------------------------------------------------------
    items = [
        ("Re-index the corpus on every update", "code", CAROL, {}),
        ("Add 50 known legal question pairs as regression cases", "eval_set", None, {}),
        ("Alert when mean retrieval relevance drops below 0.72", "gate", None, {}),
        (
            "Calibrate the citation judge",
            "calibration",
            CAROL,
            {"labels": "40", "kappa": "0.81", "tpr": "0.9", "tnr": "0.88", "judge_version": "v7"},
        ),
    ]
    for title, category, owner, record in items:
        view = await command(rig, f"action {title}", user=ALICE, channel=channel)
        title_input = next(b for b in view.blocks if b.get("block_id") == "action.title")
        assert title_input["element"]["initial_value"] == title
        await submit(
            rig,
            view,
            {"category": category, "owner_id": owner, "due": DUE, **record},
            user=ALICE,
        )
    stored_items = (await deps.postmortems.analysis_of(number)).action_items
    code, eval_set, gate, calibration = stored_items
    assert calibration.calibration is not None and calibration.calibration.kappa == 0.81

    listing = await command(rig, "actions", user=CAROL, channel=channel)
    assert listing.payload["callback_id"] == CallbackId.ACTION_ITEMS_MODAL
    await click(
        rig, ActionId.ACTION_ITEM_TAKE, user=CAROL, view=listing, value=f"{number}:{eval_set.id}"
    )
    await click(
        rig,
        ActionId.ACTION_ITEM_ASSIGN,
        user=CAROL,
        view=listing,
        block_id=f"action_item.{number}:{gate.id}",
        selected_user=BOB,
    )
    await click(
        rig, ActionId.ACTION_ITEM_DONE, user=CAROL, view=listing, value=f"{number}:{code.id}"
    )
    done = rig.emulator.open_views(CAROL)[-1]
    assert done.payload["callback_id"] == CallbackId.ACTION_DONE_MODAL
    refused = await submit(rig, done, {"artefact_url": None}, user=CAROL)
    assert refused["response_action"] == "errors"
    assert "only with an artefact" in refused["errors"]["done.artefact_url"]
    still = (await deps.postmortems.analysis_of(number)).action_items[0]
    assert still.status is ActionStatus.OPEN
    await submit(
        rig,
        done,
        {"artefact_url": "https://git.example.com/legal-rag/pipelines/-/merge_requests/321"},
        user=CAROL,
    )
    code, eval_set, gate, calibration = (await deps.postmortems.analysis_of(number)).action_items
    assert code.status is ActionStatus.DONE and code.artefact_url
    assert eval_set.owner_id == CAROL and gate.owner_id == BOB
    listed = str(rig.emulator.view(listing.id).blocks)
    assert "<@U0CAROL>" in listed and "artefact" in listed  # the list shows what changed

    # -- the draft's flags, then the close -------------------------------------------------
    await rig.slack.slash("postmortem", user=ALICE, channel=channel)
    await rig.slack.settle()
    preview = rig.emulator.ephemerals_for(ALICE)[-1]
    assert "Postmortem draft" in preview.text and "0 blocking" in preview.text

    view = await command(rig, "close", user=ALICE, channel=channel)
    assert view.payload["callback_id"] == CallbackId.CLOSE_MODAL
    assert not any(b.get("block_id") == "close.close_anyway" for b in view.blocks)
    await submit(
        rig,
        view,
        {
            "summary": "Re-indexed the corpus; citation accuracy back to 97% on the new filings.",
            "mitigated_at": MITIGATED,
            "exit_criteria_met": ["Golden-prompt pass rate restored"],
        },
        user=ALICE,
    )

    closed = await deps.incidents.get(number)
    assert closed.status is Status.CLOSED and closed.closed_at is not None
    card = rig.emulator.message(channel, incident.card_ts or "")
    assert "Closed" in str(card.blocks)

    [posted] = rig.emulator.files
    markdown = posted.text
    assert posted.name == f"incident-{number}-postmortem.md"
    [message] = [m for m in rig.emulator.messages(channel) if m.files == [posted.id]]
    assert f"Incident #{number} is closed" in message.text
    assert "Time-to-detect 2 d 22 h · time-to-mitigate 5 h" in message.text

    # Every part of the seed's scaffold, with what was recorded and the computed times.
    for expected in [
        f"# Incident #{number}: {TITLE}",
        "- **Severity:** S2",
        f"- **Detection time:** {utc(FIRST_ALARM)}",
        "- **Resolution time:** ",
        "- **Time-to-detect:** 2 d 22 h (regression start → first credible alarm)",
        "- **Time-to-mitigate:** 5 h (from the first credible alarm)",
        "- **Owner:** @alice",
        "## Detection",
        "- How: User report",
        "[Partner escalation: fabricated citation in a brief]"
        "(https://support.example.com/tickets/4471)",
        "- What we missed: No retrieval quality monitoring",
        f"- Regression started: {utc(STARTED)}",
        "## Scope",
        "| Slice | Baseline metric | Incident metric | Delta | Users affected |",
        "| Queries on the new filings — citation accuracy (%) | 97 | 61 | -36 (-37.1%), worse "
        "| 212 |",
        "| Queries on older case law — citation accuracy (%) | 97 | 95 | -2 (-2.1%), worse | 38 |",
        "Users affected in total: 250",
        "## Root cause",
        "- **Axis:** Data (moved first), Model",
        "  - Data (moved first): 14,000 filings added to the corpus; embedding index not rebuilt"
        " — evidence: [https://git.example.com/legal-rag/corpus/-/merge_requests/318]",
        "- **Why we did not catch it:** Eval coverage gap — No eval checks citations",
        "- **Contributing factors:** Observability gap, Data fragility",
        "## Remediation",
        "  - Re-index the corpus on every update (#1) — done — [artefact]"
        "(https://git.example.com/legal-rag/pipelines/-/merge_requests/321)",
        "  - Add 50 known legal question pairs as regression cases (#2) — open",
        "  - Alert when mean retrieval relevance drops below 0.72 (#3) — open",
        "40 labels, Cohen's kappa 0.81, TPR 0.9, TNR 0.88, judge v7",
        "## Action items",
        "| # | Action | Owner | Due | Status/artefact |",
        f"| 2 | Add 50 known legal question pairs as regression cases _(eval set)_ | @carol | {DUE}"
        " | open |",
        f"| 3 | Alert when mean retrieval relevance drops below 0.72 _(gates and thresholds)_ | "
        f"@bob | {DUE} | open |",
        "## Resolution",
        f"- Mitigated: {utc(MITIGATED)}",
        "  - Golden-prompt pass rate restored",
        "## The four questions",
        "## Timeline",
        "| Time (UTC) | Kind | Axis | What | By |",
        "index_change | **Data** |",
        "```mermaid",
        "## Review flags",
    ]:
        assert expected in markdown, expected
    assert "## Closed anyway" not in markdown

    # The same document is what storage keeps and what the REST API returns.
    response = await rig.http.get(
        f"/api/v1/incidents/{number}/postmortem.md",
        headers={"Authorization": "Bearer pm-test-token"},
    )
    assert response.status_code == 200 and response.headers["X-Postmortem"] == "stored"
    assert response.text == markdown
    data = (
        await rig.http.get(
            f"/api/v1/incidents/{number}/postmortem.json",
            headers={"Authorization": "Bearer pm-test-token"},
        )
    ).json()
    assert data["times"]["time_to_detect"]["seconds"] == FIRST_ALARM - STARTED
    assert data["times"]["time_to_mitigate"]["seconds"] == MITIGATED - FIRST_ALARM
    assert rig.emulator.rejections == []
