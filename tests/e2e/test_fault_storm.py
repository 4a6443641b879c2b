"""Slack failing at random while incidents run their whole course: every effect lands once.

The projector performs the bot's effects (channel, card, checklists, digest, notices, the
postmortem file) and retries a failed one after a backoff, first looking for what the failed
attempt may already have done. These tests fail Slack the way it fails in production — 500s
that may come after the work was done, and 429s with Retry-After — and count what reached the
workspace.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
import slack_sdk.http_retry.builtin_async_handlers as sdk_retry_handlers

from bot.core.incidents.model import Incident, Status
from bot.demo.rehearsal import Rehearsal
from bot.slack.effects import EFFECT_EVENT_TYPE
from bot.slack.ids import ActionId
from bot.slack.messages.runbooks import entry_block_id
from slack_sandbox import SlackEmulator
from slack_sandbox.state import Message
from tests.e2e.test_phases import RUNBOOK
from tests.fakes.clock import FakeClock
from tests.rig import OpenRig

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"

# What the projector calls in Slack to perform the bot's own effects, and the reads it makes to
# find what an interrupted step did. Listener-side calls (views.open, views.update, the
# response_url answers) are left out: a person whose command failed sees it and runs it again,
# whereas the bot's effects happen with nobody watching and must neither be lost nor doubled.
# chat.postEphemeral (telling the declarer where the channel is) is left out too: an ephemeral
# cannot be looked for, so after a lost answer it may show twice to that one person, by design
# (bot/slack/projection/incidents.py).
PROJECTOR_METHODS = {
    "conversations.create",
    "conversations.list",
    "auth.test",
    "conversations.invite",
    "chat.postMessage",
    "pins.add",
    "chat.update",
    "conversations.history",
    "files.getUploadURLExternal",
    "file_upload",
    "files.completeUploadExternal",
}
# Longer than the projector's longest backoff (5 min), so every postponed event is due again.
PAST_ANY_BACKOFF = 6


@pytest.fixture
def no_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk waits Retry-After plus up to a second of jitter (a real sleep) before retrying
    a 429. The sandbox answers Retry-After: 0 here; without the jitter the retry still happens,
    through the same handler, and a storm of 429s fits the CI budget."""

    class NoJitter:
        @staticmethod
        def random() -> float:
            return 0.0

    monkeypatch.setattr(sdk_retry_handlers, "random", NoJitter)


@pytest.fixture
async def storm_rig(
    database_url: str, open_rig: OpenRig, no_jitter: None
) -> AsyncIterator[Rehearsal]:
    """Either backend, an announce channel, and a clock the test moves past the backoffs.

    The clock starts behind the sandbox's real one on purpose, as production's clock runs
    alongside Slack's: the search for an interrupted step's message reads history from the
    event's time onwards, and a clock ahead of Slack would hide what was posted."""
    emulator = SlackEmulator()
    # The bot is a member of the announce channel, so a lost answer there can be looked for as
    # anywhere else. (Posting with chat:write.public alone, it cannot read the channel: see
    # test_an_announcement_the_bot_cannot_look_for_holds_nothing_up.)
    people = [user.id for user in emulator.users]
    announce = emulator.add_channel("ai-incidents", members=people)
    async with open_rig(
        database_url=database_url,
        emulator=emulator,
        clock=FakeClock(),
        announce_channel=announce.id,
    ) as running:
        yield running


# -- driving the app ----------------------------------------------------------------------------


async def declare(rig: Rehearsal, title: str) -> Incident:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash(f"open {title}", user=ALICE, channel=general.id)
    await rig.slack.settle()
    view = rig.emulator.open_views(ALICE)[-1]
    await rig.slack.submit_view(
        view.id, {"severity": "S2", "category": "user_visible_regression"}, user=ALICE
    )
    await rig.slack.settle()
    found = [i for i in await rig.runtime.deps.incidents.list_open() if i.title == title]
    assert len(found) == 1, f"declared once: {title}"
    return found[0]


async def command(rig: Rehearsal, text: str, *, user: str, channel: str) -> None:
    response = await rig.slack.slash(text, user=user, channel=channel)
    assert response.status_code == 200
    await rig.slack.settle()


async def submit_form(
    rig: Rehearsal, text: str, values: dict[str, Any], *, user: str, channel: str
) -> None:
    await command(rig, text, user=user, channel=channel)
    view = rig.emulator.open_views(user)[-1]
    response = await rig.slack.submit_view(view.id, values, user=user)
    assert response.status_code == 200
    await rig.slack.settle()


async def catch_up(rig: Rehearsal, clock: FakeClock) -> None:
    """Let every postponed effect come due and be performed (no sleeping: the clock moves)."""
    for _ in range(50):
        await rig.slack.settle()
        if await oldest_pending(rig) is None:
            return
        clock.advance(minutes=PAST_ANY_BACKOFF)
        await rig.runtime.projector.drain()
    raise AssertionError("effects still pending after 50 rounds")


async def oldest_pending(rig: Rehearsal) -> datetime | None:
    async with rig.runtime.deps.outbox.uow() as tx:
        return await tx.outbox.oldest_pending()


# -- what reached Slack ---------------------------------------------------------------------------


def effect_key(message: Message) -> str | None:
    metadata = message.metadata or {}
    if metadata.get("event_type") != EFFECT_EVENT_TYPE:
        return None
    key = (metadata.get("event_payload") or {}).get("effect")
    return str(key) if key else None


def posted_twice(messages: list[Message]) -> list[str]:
    """Effect keys, and bot texts, that occur more than once."""
    keys = Counter(k for k in map(effect_key, messages) if k)
    texts = Counter(json.dumps([m.text, m.blocks], sort_keys=True) for m in messages)
    return [k for k, n in keys.items() if n > 1] + [t[:120] for t, n in texts.items() if n > 1]


# -- an ambiguous failure: Slack posted, the answer was lost --------------------------------------


async def test_a_notice_whose_answer_was_lost_is_posted_once(
    storm_rig: Rehearsal, backend: str
) -> None:
    rig = storm_rig
    clock = rig.runtime.deps.clock
    assert isinstance(clock, FakeClock)
    incident = await declare(rig, "Support bot answers in the wrong language")
    channel = incident.channel_id or ""
    rig.emulator.fail("chat.postMessage", status=500, after_work=True)

    await command(rig, "severity s1", user=ALICE, channel=channel)
    await catch_up(rig, clock)

    posts = [c for c in rig.emulator.calls if c.method == "chat.postMessage" and c.injected]
    assert len(posts) == 1 and posts[0].performed  # Slack did post; the bot was told it failed
    severity = [m for m in rig.emulator.messages(channel) if "Severity changed" in m.text]
    assert len(severity) == 1


async def test_an_announcement_the_bot_cannot_look_for_holds_nothing_up(
    open_rig: OpenRig, database_url: str, backend: str
) -> None:
    emulator = SlackEmulator()
    announce = emulator.add_channel("ai-incidents")  # the bot is not a member
    clock = FakeClock()
    async with open_rig(
        database_url=database_url, emulator=emulator, clock=clock, announce_channel=announce.id
    ) as rig:
        # The declaration fails after the card was pinned; its retry reaches the announcement
        # with nothing stored for it, and cannot read the channel to look for an earlier one.
        emulator.fail("pins.add", status=500, after_work=True)
        incident = await declare(rig, "Support bot answers in the wrong language")
        await catch_up(rig, clock)
        channel = (await rig.runtime.deps.incidents.get(incident.number or 0)).channel_id or ""
        await command(rig, "severity s1", user=ALICE, channel=channel)
        await catch_up(rig, clock)

        # The escalation to S1 is announced as well, by the same rule.
        [announcement, escalation] = emulator.messages(announce.id)
        assert f"Incident #{incident.number} declared" in announcement.text
        assert f"Incident #{incident.number} escalated S2 → S1" in escalation.text
        assert any("Severity changed" in m.text for m in emulator.messages(channel))
        assert len(emulator.pins(channel)) == 1


# -- the storm: 20 % of the projector's calls fail over whole lifecycles --------------------------

DUE = "2030-01-15"
LIFECYCLES = 50


async def lifecycle(rig: Rehearsal, clock: FakeClock, index: int) -> int:
    """One incident from the modal to the resolution form, as lean as a real one can be."""
    incident = await declare(rig, f"Storm {index}: answers drift after the prompt change")
    number = incident.number or 0
    # People wait for the channel before they work in it: let the declaration's effects land.
    await catch_up(rig, clock)
    incident = await rig.runtime.deps.incidents.get(number)
    channel = incident.channel_id
    assert channel, f"incident #{number} has its channel"

    await command(rig, "role comms <@U0BOB|bob>", user=ALICE, channel=channel)
    await command(rig, "severity s1", user=ALICE, channel=channel)
    await command(
        rig, f"update Rolled back prompt v{index}; watching.", user=CAROL, channel=channel
    )
    checklist = (await rig.runtime.deps.phases.view_of_run(number)).run.checklist_ts
    assert checklist, f"incident #{number} has its first checklist"
    first = RUNBOOK.phase("triage").required_items[0].id
    await rig.slack.click(
        ActionId.CHECKLIST_TOGGLE,
        user=BOB,
        channel=channel,
        message=checklist,
        block_id=entry_block_id("triage", first),
        selected_options=[first],
    )
    await rig.slack.settle()
    await submit_form(
        rig,
        f"action Add the drifting prompts of storm {index} to the eval set",
        {"category": "eval_set", "owner_id": CAROL, "due": DUE},
        user=ALICE,
        channel=channel,
    )
    await command(rig, "close", user=ALICE, channel=channel)
    view = rig.emulator.open_views(ALICE)[-1]
    values: dict[str, Any] = {"summary": f"Prompt v{index} rolled back; answers back on target."}
    if any(b.get("block_id") == "close.close_anyway" for b in view.blocks):
        values["close_anyway"] = ["close_anyway"]
    response = await rig.slack.submit_view(view.id, values, user=ALICE)
    assert response.status_code == 200 and not response.content, response.text
    await rig.slack.settle()
    return number


async def test_every_lifecycle_completes_once_while_slack_fails_at_random(
    storm_rig: Rehearsal, backend: str
) -> None:
    rig, emulator = storm_rig, storm_rig.emulator
    clock = rig.runtime.deps.clock
    assert isinstance(clock, FakeClock)
    emulator.fail_randomly(
        0.2,
        seed=10,
        methods=PROJECTOR_METHODS,
        statuses=(500, 429),
        retry_after=0,
        after_work_share=0.5,
    )

    numbers = [await lifecycle(rig, clock, i) for i in range(LIFECYCLES)]

    injected = [c for c in emulator.calls if c.injected]
    emulator.clear_faults()
    await catch_up(rig, clock)

    # The storm hit: rate-limited calls, and posts Slack made whose answer never arrived.
    assert any(c.status == 429 for c in injected)
    ambiguous = Counter(c.method for c in injected if c.performed)
    assert ambiguous["chat.postMessage"] and ambiguous["conversations.create"], ambiguous

    assert await rig.runtime.deps.outbox.failing() == []
    announce = rig.settings.announce_channel or ""
    announcements = emulator.messages(announce)
    assert posted_twice(announcements) == []
    prefix = rig.settings.channel_prefix
    files = emulator.files
    for number in numbers:
        incident = await rig.runtime.deps.incidents.get(number)
        assert incident.status is Status.CLOSED
        channel = incident.channel_id or ""
        mine = [c for c in emulator.channels if c.name.startswith(f"{prefix}-{number}-")]
        assert [c.id for c in mine] == [channel], f"#{number}: one channel"
        assert len(created_channels(emulator, f"{prefix}-{number}-")) == 1

        messages = emulator.messages(channel)
        assert posted_twice(messages) == [], f"#{number}"
        [pinned] = emulator.pins(channel)
        card = emulator.message(channel, incident.card_ts or "")
        assert pinned.ts == card.ts and "Closed" in str(card.blocks), f"#{number}"
        assert [m for m in announcements if f"Incident #{number} declared" in m.text]

        keys = Counter(k.split(":", 1)[1] for k in map(effect_key, messages) if k)
        runs = await rig.runtime.deps.phases.runs(number)
        assert keys["runbook.checklist"] == len(runs), f"#{number}: {keys}"
        assert keys["changes.digest"] == 1 and keys["incident.card"] == 1, f"#{number}: {keys}"
        # role, severity, stakeholder update, action added: one notice each
        assert keys["notice.post"] == 4, f"#{number}: {keys}"

        [document] = [f for f in files if f.name == f"incident-{number}-postmortem.md"]
        assert len([m for m in messages if document.id in m.files]) == 1


def created_channels(emulator: SlackEmulator, name_prefix: str) -> list[str]:
    """The channels conversations.create made (answered or not) whose name starts so."""
    made = []
    for call in emulator.calls:
        if call.method != "conversations.create" or not call.performed:
            continue
        answer = call.lost_answer if call.injected else {"ok": call.ok}
        if answer and answer.get("ok") and str(call.params.get("name", "")).startswith(name_prefix):
            made.append(str(call.params["name"]))
    return made
