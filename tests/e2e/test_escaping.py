"""People's words never turn into Slack markup: a whole incident, every free-text field filled
with a ping, a mention and a disguised link, and not one message, ephemeral or view the app sent
carries them as Slack would read them.

Every request the app made to the sandbox is walked: message text (a notification's fallback
included), every mrkdwn object in blocks and views. A plain_text object is left alone: Slack
never parses it, so `<!channel>` there is shown as typed. Input values and button values are
data, not text Slack renders.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.incidents.model import Incident
from bot.demo.rehearsal import Rehearsal
from bot.slack.ids import ActionId
from bot.slack.messages.runbooks import lever_block_id
from slack_sandbox import SlackEmulator
from slack_sandbox.state import ViewRecord
from tests.e2e.ledger_support import a_change, post_signed
from tests.fakes.clock import FakeClock
from tests.rig import API_TOKEN, WEBHOOK_SECRET, OpenRig, sqlite_file_url

# Alice never acts in this test, so no message has a reason to mention her for real.
BOB, CAROL = "U0BOB", "U0CAROL"
PING, MENTION, DISGUISED = "<!channel>", "<@U0ALICE>", "<https://evil.example|runbook>"
MARKUP = (PING, MENTION, DISGUISED)
ATTACK = f"Ask {PING} and {MENTION}, see {DISGUISED}"
# What Slack shows people; other calls (users.info, conversations.*) only look things up.
SHOWN_BY = ("chat.", "views.", "files.", "response_url")
# Data, not text Slack renders: ids, values, input contents, and a file's title (shown as is,
# like a plain_text object).
NOT_RENDERED = {
    "title",
    "private_metadata",
    "value",
    "initial_value",
    "block_id",
    "action_id",
    "callback_id",
    "external_id",
    "url",
    "content",
    "filename",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def full_rig(tmp_path: Path, clock: FakeClock, open_rig: OpenRig) -> AsyncIterator[Rehearsal]:
    """Everything on: the announce channel, the REST API and a hand-moved clock for reminders."""
    emulator = SlackEmulator()
    announce = emulator.add_channel("ai-incidents")
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=emulator,
        announce_channel=announce.id,
        api_token=API_TOKEN,
        webhook_secret=WEBHOOK_SECRET,
        clock=clock,
    ) as running:
        yield running


def rendered_strings(payload: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(where, text) for every string in a payload that Slack would render as mrkdwn or as a
    message's text; plain_text objects and data fields are skipped."""
    if isinstance(payload, dict):
        if payload.get("type") == "plain_text":
            return
        for key, value in payload.items():
            if key in NOT_RENDERED:
                continue
            if key in ("blocks", "view") and isinstance(value, str):
                value = json.loads(value)
            yield from rendered_strings(value, f"{where}.{key}")
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            yield from rendered_strings(value, f"{where}[{index}]")
    elif isinstance(payload, str):
        yield where, payload


def unescaped_markup(rig: Rehearsal) -> list[str]:
    found = []
    for call in rig.emulator.calls:
        if not call.method.startswith(SHOWN_BY):
            continue
        for where, text in rendered_strings(call.params):
            if any(markup in text for markup in MARKUP):
                found.append(f"{call.method}{where}: {text[:200]}")
    return found


async def command(rig: Rehearsal, text: str, *, user: str, channel: str) -> ViewRecord:
    await rig.slack.slash(text, user=user, channel=channel)
    await rig.slack.settle()
    return rig.emulator.open_views(user)[-1]


async def submit(rig: Rehearsal, view: ViewRecord, values: dict[str, Any], *, user: str) -> None:
    response = await rig.slack.submit_view(view.id, values, user=user)
    await rig.slack.settle()
    assert response.status_code == 200
    assert not (response.content and "errors" in response.json()), response.text


async def declare(rig: Rehearsal, clock: FakeClock) -> Incident:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    view = await command(rig, f"open {ATTACK}", user=BOB, channel=general.id)
    started = int((clock.now() - timedelta(hours=6)).timestamp())
    await submit(
        rig,
        view,
        {
            "severity": "S2",
            "category": "user_visible_regression",
            "ai_feature": ATTACK,
            "description": ATTACK,
            "regression_started_at": started,
        },
        user=BOB,
    )
    [incident] = await rig.runtime.deps.incidents.list_open()
    return incident


def lever_message(rig: Rehearsal, channel: str) -> str:
    return next(
        m.ts
        for m in rig.emulator.messages(channel)
        if any(b.get("block_id") == lever_block_id("scope") for b in m.blocks)
    )


async def test_no_persons_words_reach_slack_as_markup(
    full_rig: Rehearsal, clock: FakeClock
) -> None:
    rig = full_rig
    incident = await declare(rig, clock)
    number, channel = incident.number or 0, incident.channel_id or ""
    assert incident.title == ATTACK  # the words are kept as typed; only Slack's view escapes

    # Updates, notes, a change by the form, and changes by the REST API (live and digest).
    await submit(
        rig,
        await command(rig, "update", user=BOB, channel=channel),
        {"update_text": ATTACK},
        user=BOB,
    )
    await rig.slack.slash(f"log {ATTACK}", user=CAROL, channel=channel)
    change_form = await command(rig, "change", user=CAROL, channel=channel)
    await submit(
        rig,
        change_form,
        {
            "change_kind": "prompt",
            "change_before": ATTACK,
            "change_after": ATTACK,
            "change_occurred_at": int((clock.now() - timedelta(hours=2)).timestamp()),
            "change_note": ATTACK,
        },
        user=CAROL,
    )
    for external_id, when in (("before-1", timedelta(hours=3)), ("live-1", timedelta(0))):
        response = await post_signed(
            rig,
            "/api/v1/changes",
            a_change(
                external_id,
                occurred_at=(clock.now() - when).isoformat(),
                service=None,
                summary=ATTACK,
                before=ATTACK,
                after=ATTACK,
                actor=ATTACK,
            ),
        )
        assert response.status_code < 300, response.text
        await rig.slack.settle()
    await rig.slack.slash("changes", user=CAROL, channel=channel)
    await rig.slack.settle()

    # A stabilization lever, which needs the scope phase.
    await rig.slack.slash("phase next", user=BOB, channel=channel)
    await rig.slack.settle()
    refusal = rig.emulator.ephemerals_for(BOB)[-1]
    await rig.slack.click(
        ActionId.PHASE_ADVANCE_ANYWAY, user=BOB, channel=channel, message=refusal.ts
    )
    await rig.slack.settle()
    await rig.slack.click(
        ActionId.LEVER_CHOOSE,
        user=BOB,
        channel=channel,
        message=lever_message(rig, channel),
        block_id=lever_block_id("scope"),
        selected_option="disable-capability",
    )
    await rig.slack.settle()
    await submit(
        rig,
        rig.emulator.open_views(BOB)[-1],
        {"lever_authorized_by": CAROL, "lever_trade_off": ATTACK},
        user=BOB,
    )

    # The postmortem's forms.
    await submit(
        rig,
        await command(rig, "detection", user=CAROL, channel=channel),
        {
            "how": "user_report",
            "signal": ATTACK,
            "first_alarm_at": int((clock.now() - timedelta(hours=1)).timestamp()),
            "what_we_missed": ATTACK,
        },
        user=CAROL,
    )
    scope = await command(rig, "scope", user=CAROL, channel=channel)
    await rig.slack.click(ActionId.SCOPE_ADD_ROW, user=CAROL, view_id=scope.id)
    await rig.slack.settle()
    await submit(
        rig,
        rig.emulator.open_views(CAROL)[-1],
        {"slice": ATTACK, "metric": ATTACK, "baseline": "97", "incident_value": "40"},
        user=CAROL,
    )
    await submit(
        rig,
        await command(rig, "rootcause", user=CAROL, channel=channel),
        {
            "axes": ["prompt"],
            "first_axis": "prompt",
            "what_changed.prompt": ATTACK,
            "evidence_url.prompt": "https://git.example.com/prompts/-/merge_requests/7",
            "why_not_caught": "eval_coverage_gap",
            "why_not_caught_text": ATTACK,
            "layer": "model",
        },
        user=CAROL,
    )
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    for owner in (None, CAROL):
        await submit(
            rig,
            await command(rig, f"action {ATTACK}", user=BOB, channel=channel),
            {"category": "eval_set", "owner_id": owner, "due": tomorrow},
            user=BOB,
        )

    # Every place that lists them: list, status, actions, the preview, App Home, reminders.
    for text in ("list", "status", "postmortem"):
        await rig.slack.slash(text, user=CAROL, channel=channel)
        await rig.slack.settle()
    await command(rig, "actions", user=CAROL, channel=channel)
    for user in (BOB, CAROL):
        await rig.slack.open_app_home(user)
        await rig.slack.settle()
    clock.advance(days=3)
    await rig.runtime.deps.reminders.tick()
    await rig.slack.settle()

    # The close, and the postmortem posted with its summary.
    close = await command(rig, "close", user=BOB, channel=channel)
    await rig.slack.submit_view(
        close.id,
        {
            "summary": ATTACK,
            "mitigated_at": int((clock.now() - timedelta(minutes=5)).timestamp()),
        },
        user=BOB,
    )
    await rig.slack.settle()

    assert (await rig.runtime.deps.incidents.get(number)).closed_at is not None
    reminded = " ".join(m.text for c in rig.emulator.channels for m in rig.emulator.messages(c.id))
    assert "has no owner" in reminded and "was due" in reminded  # the reminders did run
    assert rig.emulator.home_views  # and App Home was published
    found = unescaped_markup(rig)
    assert found == [], "\n".join(found)
    assert ATTACK.replace("<", "&lt;").replace(">", "&gt;") in reminded
