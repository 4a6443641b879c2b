"""The postmortem's forms refuse bad input field by field, closing with a blocking flag takes
an explicit decision, and a team's template is used — or reported and replaced when it fails."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from bot.core.incidents.model import Incident, Status
from bot.core.postmortem.analysis import ActionStatus
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId, CallbackId
from slack_sandbox import SlackEmulator
from slack_sandbox.state import ViewRecord
from tests.rig import OpenRig, sqlite_file_url

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
TOKEN = "pm-forms-token"
NOW = int(time.time()) // 60 * 60
DUE = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()


@pytest.fixture
async def app(tmp_path: Path, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=SlackEmulator(),
        api_token=TOKEN,
        reminder_tick_seconds=0,
    ) as running:
        yield running


async def declare(rig: Rehearsal, *, severity: str = "S2") -> Incident:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash(
        "open Refusals spiked on high-risk triage", user=ALICE, channel=general.id
    )
    await rig.slack.settle()
    view = rig.emulator.open_views(ALICE)[-1]
    await rig.slack.submit_view(
        view.id,
        {
            "severity": severity,
            "category": "silent_drift",
            "how_detected": "dashboard_alert",
            "regression_started_at": NOW - 86_400,
        },
        user=ALICE,
    )
    await rig.slack.settle()
    incidents = await rig.runtime.deps.incidents.list_open()
    return max(incidents, key=lambda i: i.number or 0)


async def form(rig: Rehearsal, text: str, channel: str, *, user: str = ALICE) -> ViewRecord:
    await rig.slack.slash(text, user=user, channel=channel)
    await rig.slack.settle()
    return rig.emulator.open_views(user)[-1]


async def submit(
    rig: Rehearsal, view: ViewRecord, values: dict[str, Any], *, user: str = ALICE
) -> dict[str, Any]:
    response = await rig.slack.submit_view(view.id, values, user=user)
    await rig.slack.settle()
    return response.json() if response.content else {}


def field_errors(answer: dict[str, Any]) -> dict[str, str]:
    assert answer.get("response_action") == "errors", answer
    errors: dict[str, str] = answer["errors"]
    return errors


# -- invalid input, answered in the modal ----------------------------------------------------

ROOT_CAUSE_OK = {
    "axes": ["prompt"],
    "what_changed.prompt": "Safety preamble removed in prompt v42",
    "evidence_url.prompt": "https://git.example.com/prompts/-/commit/42",
    "why_not_caught": "threshold_band",
}
CALIBRATION = {
    "category": "calibration",
    "labels": "40",
    "kappa": "0.7",
    "tpr": "0.9",
    "tnr": "0.9",
    "judge_version": "judge-v3",
}


@pytest.mark.parametrize(
    ("command", "values", "block", "says"),
    [
        (
            "detection",
            {"how": "dashboard_alert", "signal_url": "grafana/d/refusals"},
            "detection.signal_url",
            "http",
        ),
        (
            "rootcause",
            {**ROOT_CAUSE_OK, "first_axis": "model"},
            "root_cause.first_axis",
            "not among the chosen axes",
        ),
        (
            "rootcause",
            {**ROOT_CAUSE_OK, "evidence_url.prompt": "see the commit"},
            "root_cause.evidence_url.prompt",
            "spaces",
        ),
        ("action Pin the model", {"category": "code", "due": "2020-01-01"}, "action.due", "past"),
        (
            "action Calibrate the judge",
            {**CALIBRATION, "kappa": "1.4"},
            "action.kappa",
            "between -1 and 1",
        ),
        (
            "action Calibrate the judge",
            {**CALIBRATION, "tpr": "1.2"},
            "action.tpr",
            "between 0 and 1",
        ),
        (
            "action Calibrate the judge",
            {**CALIBRATION, "tnr": "-0.1"},
            "action.tnr",
            "between 0 and 1",
        ),
        (
            "action Alarm on refusal rate",
            {"category": "gate", "artefact_url": "ftp://files.example.com/x"},
            "action.artefact_url",
            "http",
        ),
    ],
)
async def test_invalid_input_is_answered_under_its_field_and_nothing_is_stored(
    app: Rehearsal, command: str, values: dict[str, Any], block: str, says: str
) -> None:
    incident = await declare(app)
    view = await form(app, command, incident.channel_id or "")
    errors = field_errors(await submit(app, view, values))
    assert block in errors and says in errors[block]
    assert app.emulator.view(view.id).is_open  # still there, with the message under the field
    analysis = await app.runtime.deps.postmortems.analysis_of(incident.number or 0)
    assert analysis.detection is None
    assert analysis.root_cause is None
    assert analysis.action_items == []


async def test_a_scope_row_that_is_not_a_number_is_refused_in_the_pushed_form(
    app: Rehearsal,
) -> None:
    incident = await declare(app)
    scope = await form(app, "scope", incident.channel_id or "")
    await app.slack.click(ActionId.SCOPE_ADD_ROW, user=ALICE, view_id=scope.id)
    await app.slack.settle()
    row = app.emulator.open_views(ALICE)[-1]
    errors = field_errors(
        await submit(
            app,
            row,
            {
                "slice": "High-risk triage",
                "metric": "refusal rate",
                "baseline": "about 1",
                "incident_value": "0.05",
            },
        )
    )
    assert "slice.baseline" in errors and "number" in errors["slice.baseline"]
    assert (await app.runtime.deps.postmortems.analysis_of(incident.number or 0)).slices == []


async def test_scope_that_contradicts_the_severity_is_said_in_the_channel_once(
    app: Rehearsal,
) -> None:
    incident = await declare(app, severity="S3")
    channel = incident.channel_id or ""
    scope = await form(app, "scope", channel)
    for name, users in [("All triage queries", "5400"), ("Chest-pain queries", "900")]:
        await app.slack.click(ActionId.SCOPE_ADD_ROW, user=ALICE, view_id=scope.id)
        await app.slack.settle()
        row = app.emulator.open_views(ALICE)[-1]
        await submit(
            app,
            row,
            {
                "slice": name,
                "metric": "refusal rate on high-risk (%)",
                "baseline": "100",
                "incident_value": "5",
                "users_affected": users,
            },
        )
    warnings = [m.text for m in app.emulator.messages(channel) if "Scope vs severity" in m.text]
    assert len(warnings) == 1
    assert "bigger than S3" in warnings[0] and "5,400 users" in warnings[0]
    assert "bigger than S3" in str(app.emulator.view(scope.id).blocks)


# -- action items ------------------------------------------------------------------------------


async def test_done_needs_an_artefact_and_a_calibration_its_record(app: Rehearsal) -> None:
    incident = await declare(app)
    channel, number = incident.channel_id or "", incident.number or 0
    view = await form(app, "action Calibrate the refusal judge", channel)
    await submit(app, view, {"category": "calibration", "due": DUE, "owner_id": BOB})
    [item] = (await app.runtime.deps.postmortems.analysis_of(number)).action_items
    assert item.calibration is None  # allowed while it is planned

    listing = await form(app, "actions", channel, user=BOB)
    await app.slack.click(
        ActionId.ACTION_ITEM_DONE, user=BOB, view_id=listing.id, value=f"{number}:{item.id}"
    )
    await app.slack.settle()
    done = app.emulator.open_views(BOB)[-1]
    assert done.payload["callback_id"] == CallbackId.ACTION_DONE_MODAL
    errors = field_errors(
        await submit(app, done, {"artefact_url": "https://labels.example.com/r/7"}, user=BOB)
    )
    assert "done.labels" in errors and "only with its record" in errors["done.labels"]
    errors = field_errors(await submit(app, done, {"labels": "40"}, user=BOB))
    assert "done.artefact_url" in errors
    [item] = (await app.runtime.deps.postmortems.analysis_of(number)).action_items
    assert item.status is ActionStatus.OPEN

    await submit(
        app,
        done,
        {
            "artefact_url": "https://labels.example.com/r/7",
            "labels": "40",
            "kappa": "0.74",
            "tpr": "0.93",
            "tnr": "0.88",
            "judge_version": "refusal-judge v5",
        },
        user=BOB,
    )
    [item] = (await app.runtime.deps.postmortems.analysis_of(number)).action_items
    assert item.status is ActionStatus.DONE
    assert item.calibration is not None and item.calibration.judge_version == "refusal-judge v5"
    assert any("completed action #1" in m.text for m in app.emulator.messages(channel))


async def test_drop_and_edit_from_the_list(app: Rehearsal) -> None:
    incident = await declare(app)
    channel, number = incident.channel_id or "", incident.number or 0
    for title in ("Add an alert", "Add the triage prompts as regression cases"):
        view = await form(app, f"action {title}", channel)
        await submit(app, view, {"category": "gate" if "alert" in title else "eval_set"})
    alert, cases = (await app.runtime.deps.postmortems.analysis_of(number)).action_items
    listing = await form(app, "actions", channel)
    await app.slack.click(
        ActionId.ACTION_ITEM_MORE,
        user=ALICE,
        view_id=listing.id,
        block_id=f"action_item.{number}:{alert.id}",
        selected_option=f"drop:{number}:{alert.id}",
    )
    await app.slack.settle()
    await app.slack.click(
        ActionId.ACTION_ITEM_MORE,
        user=ALICE,
        view_id=listing.id,
        block_id=f"action_item.{number}:{cases.id}",
        selected_option=f"edit:{number}:{cases.id}",
    )
    await app.slack.settle()
    edit = app.emulator.open_views(ALICE)[-1]
    assert edit.payload["callback_id"] == CallbackId.ACTION_ITEM_MODAL
    await submit(app, edit, {"owner_id": CAROL, "due": DUE})
    alert, cases = (await app.runtime.deps.postmortems.analysis_of(number)).action_items
    assert alert.status is ActionStatus.DROPPED
    assert (cases.owner_id, cases.due, cases.title) == (
        CAROL,
        date.fromisoformat(DUE),
        "Add the triage prompts as regression cases",
    )
    assert "~Add an alert~" in str(app.emulator.view(listing.id).blocks)


# -- closing -----------------------------------------------------------------------------------


async def test_closing_with_a_blocking_flag_takes_close_anyway_and_records_it(
    app: Rehearsal,
) -> None:
    incident = await declare(app)
    channel, number = incident.channel_id or "", incident.number or 0
    view = await form(app, "close", channel)
    assert any(b.get("block_id") == "close.close_anyway" for b in view.blocks)
    assert "No root-cause axis" in str(view.blocks)

    errors = field_errors(await submit(app, view, {"summary": "Rolled back prompt v42."}))
    assert (
        "close.close_anyway" in errors and "No eval-set action item" in errors["close.close_anyway"]
    )
    assert (await app.runtime.deps.incidents.get(number)).status is Status.OPEN
    assert app.emulator.files == []

    await submit(
        app,
        view,
        {
            "summary": "Rolled back prompt v42.",
            "close_anyway": ["close_anyway"],
            "close_reason": "The retro on Friday fills the analysis.",
        },
    )
    assert (await app.runtime.deps.incidents.get(number)).status is Status.CLOSED
    override = (await app.runtime.deps.postmortems.analysis_of(number)).close_override
    assert override is not None and override.by == ALICE
    assert set(override.flags) == {"no_root_cause_axis", "no_eval_set_action"}
    [posted] = app.emulator.files
    assert "## Closed anyway" in posted.text
    assert "@alice closed the incident at" in posted.text
    assert "- No eval-set action item (`no_eval_set_action`)" in posted.text
    assert "Reason given: The retro on Friday fills the analysis." in posted.text
    [message] = [m for m in app.emulator.messages(channel) if m.files]
    assert "Closed anyway by <@U0ALICE>" in message.text

    # The record can no longer change.
    await app.slack.slash("detection", user=BOB, channel=channel)
    await app.slack.settle()
    assert f"Incident #{number} is closed" in app.emulator.ephemerals_for(BOB)[-1].text
    assert app.emulator.open_views(BOB) == []


async def test_action_items_changed_after_the_close_update_the_stored_postmortem(
    app: Rehearsal,
) -> None:
    incident = await declare(app)
    channel, number = incident.channel_id or "", incident.number or 0
    view = await form(app, "action Add the triage prompts as regression cases", channel)
    await submit(app, view, {"category": "eval_set", "due": DUE})
    close = await form(app, "close", channel)
    await submit(
        app,
        close,
        {"summary": "Rolled back.", "close_anyway": ["close_anyway"]},
    )
    [item] = (await app.runtime.deps.postmortems.analysis_of(number)).action_items
    listing = await form(app, "actions", channel, user=CAROL)
    await app.slack.click(
        ActionId.ACTION_ITEM_TAKE, user=CAROL, view_id=listing.id, value=f"{number}:{item.id}"
    )
    await app.slack.settle()
    stored = await app.runtime.deps.postmortems.document(number)
    assert stored.stored
    assert "| 1 | Add the triage prompts as regression cases _(eval set)_ | @carol |" in (
        stored.postmortem.markdown
    )


async def test_archiving_the_channel_at_close_is_a_setting(
    tmp_path: Path, open_rig: OpenRig
) -> None:
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=SlackEmulator(),
        archive_on_close=True,
        reminder_tick_seconds=0,
    ) as rig:
        incident = await declare(rig)
        channel = incident.channel_id or ""
        view = await form(rig, "close", channel)
        await submit(rig, view, {"summary": "Rolled back.", "close_anyway": ["close_anyway"]})
        assert rig.emulator.channel(channel).is_archived
        assert rig.emulator.files  # posted before the archive


async def test_the_channel_stays_open_by_default(app: Rehearsal) -> None:
    incident = await declare(app)
    view = await form(app, "close", incident.channel_id or "")
    await submit(app, view, {"summary": "Rolled back.", "close_anyway": ["close_anyway"]})
    assert not app.emulator.channel(incident.channel_id or "").is_archived


# -- templates ---------------------------------------------------------------------------------


async def _close_with_template(open_rig: OpenRig, tmp_path: Path, template: str) -> tuple[str, str]:
    templates = tmp_path / "runbooks" / "templates"
    templates.mkdir(parents=True)
    (templates / "postmortem.md.j2").write_text(template)
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=SlackEmulator(),
        runbooks_dir=tmp_path / "runbooks",
        reminder_tick_seconds=0,
    ) as rig:
        incident = await declare(rig)
        view = await form(rig, "close", incident.channel_id or "")
        await submit(rig, view, {"summary": "Rolled back.", "close_anyway": ["close_anyway"]})
        [posted] = rig.emulator.files
        [message] = [m for m in rig.emulator.messages(incident.channel_id or "") if m.files]
        return posted.text, message.text


async def test_a_team_template_in_the_runbooks_directory_is_used(
    tmp_path: Path, open_rig: OpenRig
) -> None:
    markdown, message = await _close_with_template(
        open_rig,
        tmp_path,
        '{% extends "builtin/postmortem.md.j2" %}\n'
        "{% block header %}# ACME AI postmortem — {{ pm.incident.title }}\n"
        "Severity {{ pm.incident.severity }}\n{% endblock %}\n",
    )
    assert markdown.startswith("# ACME AI postmortem — Refusals spiked on high-risk triage")
    assert "## Root cause" in markdown  # the other blocks are the built-in ones
    assert "template failed" not in message


async def test_a_template_that_fails_is_reported_and_the_built_in_one_used(
    tmp_path: Path, open_rig: OpenRig
) -> None:
    markdown, message = await _close_with_template(
        open_rig, tmp_path, "# {{ pm.incident.title }}\n{{ pm.incident.no_such_field }}\n"
    )
    assert markdown.startswith("# Incident #1: Refusals spiked on high-risk triage")
    assert "The team's postmortem template failed, so the built-in one was used" in message
    assert "postmortem.md.j2 line 2" in message and "no_such_field" in message


# -- reading it back ---------------------------------------------------------------------------


async def test_the_rest_api_serves_a_draft_while_open_and_refuses_without_the_token(
    app: Rehearsal,
) -> None:
    incident = await declare(app)
    url = f"/api/v1/incidents/{incident.number}/postmortem"
    auth = {"Authorization": f"Bearer {TOKEN}"}
    draft = await app.http.get(f"{url}.md", headers=auth)
    assert draft.status_code == 200 and draft.headers["X-Postmortem"] == "draft"
    assert draft.headers["content-type"].startswith("text/markdown")
    assert draft.text.startswith(f"# Incident #{incident.number}: Refusals spiked")
    data = (await app.http.get(f"{url}.json", headers=auth)).json()
    assert data["incident"]["status"] == "open"
    assert {f["code"] for f in data["flags"]} >= {"no_root_cause_axis", "no_eval_set_action"}
    assert (await app.http.get(f"{url}.md")).status_code == 401
    missing = await app.http.get("/api/v1/incidents/999/postmortem.json", headers=auth)
    assert missing.status_code == 404 and "999" in missing.json()["error"]
    assert app.runtime.deps.postmortems is not None
    assert (await app.runtime.deps.postmortems.document(incident.number or 0)).stored is False


async def test_the_preview_lists_the_drafts_flags_with_where_to_fix_them(app: Rehearsal) -> None:
    incident = await declare(app)
    await app.slack.slash("postmortem", user=BOB, channel=incident.channel_id or "")
    await app.slack.settle()
    [preview] = app.emulator.ephemerals_for(BOB)
    shown = str(preview.blocks)
    assert "Postmortem draft" in preview.text
    assert "No root-cause axis" in shown and "/ai-incident rootcause" in shown
    assert "No eval-set action item" in shown and "/ai-incident actions" in shown


# -- the same submission twice ---------------------------------------------------------------


async def _submit_twice(app: Rehearsal, view: ViewRecord, values: dict[str, Any]) -> None:
    """Slack delivers one submission twice (a double click) while the first is at work."""
    sent: list[bytes] = []
    send = app.slack.raw

    async def recording(body: bytes, headers: Mapping[str, str] | None = None) -> Response:
        sent.append(body)
        return await send(body, headers)

    app.slack.raw = recording  # type: ignore[method-assign, assignment]
    try:
        await app.slack.submit_view(view.id, values, user=ALICE)
    finally:
        app.slack.raw = send  # type: ignore[method-assign]
    await send(sent[-1], {"Content-Type": "application/x-www-form-urlencoded"})
    await app.slack.settle()


async def test_a_form_delivered_twice_adds_one_item_and_closes_once(app: Rehearsal) -> None:
    incident = await declare(app)
    channel, number = incident.channel_id or "", incident.number or 0
    view = await form(app, "action Add the triage prompts as regression cases", channel)
    await _submit_twice(app, view, {"category": "eval_set"})
    assert len((await app.runtime.deps.postmortems.analysis_of(number)).action_items) == 1

    view = await form(app, "close", channel)
    await _submit_twice(app, view, {"summary": "Rolled back.", "close_anyway": ["close_anyway"]})
    assert len(app.emulator.files) == 1
    # No "incident is closed" for a double click, no second summary.
    assert not [e for e in app.emulator.ephemerals_for(ALICE) if "closed" in e.text]
    assert len([m for m in app.emulator.messages(channel) if "is closed" in m.text]) == 1
