"""Killed at any Slack call of the declaration or the close, the bot restarts (here, or on the
other replica) and leaves Slack exactly as an uninterrupted run would: one channel, one pinned
card, one announcement, one checklist, one digest; after a close, one shared and stored
postmortem and a card that says closed. Nothing orphaned, nothing twice.

The crash points are not listed by hand: each matrix first runs the flow uninterrupted and
records the Slack calls the projector made, then kills a fresh run before and after each one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest

from bot.core.incidents.model import Status, channel_name
from bot.demo.rehearsal import Rehearsal
from slack_sandbox import SlackEmulator
from tests.e2e.crash_support import (
    FILE_UPLOAD,
    CommitTap,
    CrashPoint,
    ProcessKilled,
    SlackTap,
    When,
    crash_points,
    effect_of,
    incident_channels,
    posted_by_step,
    stop_kicks,
    twice,
)
from tests.e2e.lifecycle_support import close_anyway
from tests.fakes.clock import FakeClock
from tests.rig import OpenRig

ALICE = "U0ALICE"
TITLE = "Judge drift on summaries"
# Past the projector's 60 s lease: a dead replica's incident may be taken over.
LEASE_LAPSED = timedelta(seconds=61)

Recovery = Literal["restart", "other replica"]


@dataclass
class Scene:
    """One database and one Slack workspace, on which app processes start, die and restart."""

    database_url: str
    open_rig: OpenRig
    settings: dict[str, Any] = field(default_factory=dict)
    clock: FakeClock = field(default_factory=lambda: FakeClock(datetime.now(UTC)))
    bot_in_announce_channel: bool = True
    emulator: SlackEmulator = field(init=False)

    def __post_init__(self) -> None:
        # Slack's clock is the app's: message timestamps and the outbox's times agree.
        clock = self.clock
        self.emulator = SlackEmulator(wall_clock=lambda: clock.now().timestamp())
        # Invited to the announce channel, the bot can look there for an announcement it may
        # have made before it died (chat:write.public alone lets it post there, not read).
        people = [u.id for u in self.emulator.users if not u.is_bot]
        bot = [self.emulator.bot_user_id] if self.bot_in_announce_channel else []
        self.announce = self.emulator.add_channel("ai-incidents", members=[*people, *bot]).id

    @asynccontextmanager
    async def app(self) -> AsyncIterator[Rehearsal]:
        async with self.open_rig(
            database_url=self.database_url,
            emulator=self.emulator,
            clock=self.clock,
            announce_channel=self.announce,
            **self.settings,
        ) as running:
            yield running

    @asynccontextmanager
    async def doomed_app(self) -> AsyncIterator[tuple[Rehearsal, SlackTap]]:
        """An app whose projector runs only when the test drains it, with its Slack tapped."""
        async with self.app() as running:
            stop_kicks(running.runtime)
            # The start-up sweep must be over before the flow starts: still looping, it would
            # take the new incident's events and die in the background, not in `kill`.
            await running.runtime.projector.idle()
            yield running, SlackTap(running.runtime.effects_slack)


async def declare(rig: Rehearsal, title: str = TITLE) -> int:
    general = rig.emulator.channel_by_name("general")
    assert general is not None
    await rig.slack.slash(f"open {title}", user=ALICE, channel=general.id)
    await rig.slack.settle()
    view = rig.emulator.open_views(ALICE)[-1]
    await rig.slack.submit_view(view.id, {"severity": "S2", "category": "silent_drift"}, user=ALICE)
    await rig.slack.settle()
    return max(i.number or 0 for i in await rig.runtime.deps.incidents.list_open())


async def kill(rig: Rehearsal) -> None:
    """Drain the doomed app's projector; it must die at its crash point."""
    with pytest.raises(ProcessKilled):
        await rig.runtime.projector.drain()


@asynccontextmanager
async def recovered(scene: Scene, stack: AsyncExitStack, how: Recovery) -> AsyncIterator[Rehearsal]:
    """Another app takes over once the dead one's lease lapsed: after a restart (the dead
    process is gone) or on the other replica (the dead one's object is left as it died)."""
    scene.clock.advance(seconds=LEASE_LAPSED.total_seconds())
    if how == "restart":
        await stack.aclose()
    async with scene.app() as running:
        await running.runtime.projector.drain()
        await running.slack.settle()
        yield running


# -- what a user finds -------------------------------------------------------------------------


async def provisioning_problems(rig: Rehearsal, number: int, *, closed: bool) -> list[str]:
    """Everything wrong with the incident's Slack side, one line each (none: all is well)."""
    deps, emulator = rig.runtime.deps, rig.emulator
    incident = await deps.incidents.get(number)
    problems: list[str] = []
    prefix = rig.settings.channel_prefix
    expected_name = channel_name(prefix, number, TITLE)
    made = incident_channels(emulator, f"{prefix}-{number}-")
    if made != [expected_name] or incident.channel_name != expected_name:
        problems.append(f"channels {made}, stored {incident.channel_name}")
    channel = incident.channel_id
    if channel is None or incident.card_ts is None:
        return [*problems, f"not provisioned: channel {channel}, card {incident.card_ts}"]
    if ALICE not in emulator.channel(channel).members:
        problems.append("the declarer is not in the channel")
    pins = [m.ts for m in emulator.pins(channel)]
    if pins != [incident.card_ts]:
        problems.append(f"pinned {pins}, card {incident.card_ts}")
    card = emulator.message(channel, incident.card_ts)
    state = "Closed" if closed else "Open"
    if state not in str(card.blocks) or f"{incident.status.value}," not in card.text:
        problems.append(f"the card does not say {state}: {card.text}")
    messages = emulator.messages(channel)
    for step in ("incident.card", "runbook.checklist", "changes.digest"):
        if len(found := posted_by_step(messages, step)) != 1:
            problems.append(f"{len(found)} messages from {step}")
    if repeated := twice(e for m in messages if (e := effect_of(m))):
        problems.append(f"posted twice: {repeated}")
    if repeated := twice([m.text for m in messages if m.text]):
        problems.append(f"the same text twice: {list(repeated)}")
    announced = [m for m in emulator.messages(scene_announce(rig)) if f"<#{channel}>" in m.text]
    if len(announced) != 1:
        problems.append(f"{len(announced)} announcements")
    if not any(channel in e.text for e in emulator.ephemerals_for(ALICE)):
        problems.append("the declarer was not told where the incident is")
    if pending := await deps.outbox.pending(number):
        problems.append(f"still pending: {[e.event.kind for e in pending]}")
    if closed:
        problems += await closing_problems(rig, number, channel)
    return problems


def scene_announce(rig: Rehearsal) -> str:
    announce = rig.settings.announce_channel
    assert announce
    return announce


async def closing_problems(rig: Rehearsal, number: int, channel: str) -> list[str]:
    deps, emulator = rig.runtime.deps, rig.emulator
    problems: list[str] = []
    incident = await deps.incidents.get(number)
    if incident.status is not Status.CLOSED:
        problems.append(f"the incident is {incident.status.value}")
    document = await deps.postmortems.document(number)
    if not document.stored:
        problems.append("no stored postmortem")
    shared = [f for f in emulator.files if any(c == channel for c, _ in f.shares)]
    if [f.name for f in shared] != [f"incident-{number}-postmortem.md"]:
        problems.append(f"files shared: {[f.name for f in shared]}")
    elif shared[0].text != document.postmortem.markdown:
        problems.append("the shared postmortem is not the stored one")
    with_files = [m for m in emulator.messages(channel) if m.files]
    if len(with_files) != 1 or f"Incident #{number} is closed" not in with_files[0].text:
        problems.append(f"closing messages: {[m.text for m in with_files]}")
    if rig.settings.archive_on_close and not emulator.channel(channel).is_archived:
        problems.append("the channel is not archived")
    return problems


# -- the matrices ------------------------------------------------------------------------------


async def recorded_declaration(scene: Scene) -> list[str]:
    """The Slack calls the projector makes to provision a declaration, uninterrupted."""
    async with scene.doomed_app() as (rig, tap):
        number = await declare(rig)
        tap.arm(None)
        await rig.runtime.projector.drain()
        assert await provisioning_problems(rig, number, closed=False) == []
        return tap.methods


async def declaration_killed(scene: Scene, point: CrashPoint, how: Recovery) -> list[str]:
    async with AsyncExitStack() as stack:
        rig, tap = await stack.enter_async_context(scene.doomed_app())
        number = await declare(rig)
        tap.arm(point)
        await kill(rig)
        async with recovered(scene, stack, how) as after:
            return await provisioning_problems(after, number, closed=False)
    raise AssertionError("unreachable")


async def test_a_declaration_killed_at_any_slack_call_ends_fully_provisioned(
    database_url: str, open_rig: OpenRig
) -> None:
    scene = Scene(database_url, open_rig)
    methods = await recorded_declaration(scene)
    # The matrix covers what provisioning is: a test of nothing would pass too.
    for method in ("conversations.create", "conversations.invite", "pins.add"):
        assert method in methods, methods
    assert methods.count("chat.postMessage") >= 3, methods  # card, announcement, checklist, …
    failed = await run_matrix(scene, methods, declaration_killed)
    assert not failed, "\n".join(failed)


async def recorded_close(scene: Scene) -> list[str]:
    """The Slack calls the projector makes to publish a close, uninterrupted."""
    async with scene.doomed_app() as (rig, tap):
        number = await declare(rig)
        await rig.runtime.projector.drain()
        await close_anyway(rig, number, user=ALICE)
        tap.arm(None)
        await rig.runtime.projector.drain()
        assert await provisioning_problems(rig, number, closed=True) == []
        return tap.methods


async def close_killed(scene: Scene, point: CrashPoint, how: Recovery) -> list[str]:
    async with AsyncExitStack() as stack:
        rig, tap = await stack.enter_async_context(scene.doomed_app())
        number = await declare(rig)
        await rig.runtime.projector.drain()
        await close_anyway(rig, number, user=ALICE)
        tap.arm(point)
        await kill(rig)
        async with recovered(scene, stack, how) as after:
            return await provisioning_problems(after, number, closed=True)
    raise AssertionError("unreachable")


async def test_a_close_killed_at_any_slack_call_ends_with_one_posted_postmortem(
    database_url: str, open_rig: OpenRig
) -> None:
    scene = Scene(database_url, open_rig, settings={"archive_on_close": True})
    methods = await recorded_close(scene)
    for method in (
        "chat.update",
        "files.getUploadURLExternal",
        FILE_UPLOAD,
        "files.completeUploadExternal",
        "conversations.archive",
    ):
        assert method in methods, methods
    failed = await run_matrix(scene, methods, close_killed)
    assert not failed, "\n".join(failed)


async def run_matrix(
    scene: Scene,
    methods: list[str],
    killed: Callable[[Scene, CrashPoint, Recovery], Awaitable[list[str]]],
) -> list[str]:
    """Kill a fresh run at each point; what went wrong, one line per point."""
    failed: list[str] = []
    for index, point in enumerate(crash_points(methods)):
        # Alternate so each way of recovering meets crashes before and after a call.
        call, after = divmod(index, 2)
        how: Recovery = "restart" if (call + after) % 2 == 0 else "other replica"
        if problems := await killed(scene, point, how):
            failed.append(f"{point}, {how}: {problems}")
    return failed


@pytest.mark.parametrize("when", ["before", "after"])
async def test_a_close_killed_at_its_commit_closes_once(
    database_url: str, open_rig: OpenRig, when: When
) -> None:
    scene = Scene(database_url, open_rig)
    async with AsyncExitStack() as stack:
        rig, _ = await stack.enter_async_context(scene.doomed_app())
        number = await declare(rig)
        await rig.runtime.projector.drain()
        commit = CommitTap(rig.runtime, "PostmortemCompiled")
        commit.when = when
        # Answered: the close's own work dies after the ack.
        await close_anyway(rig, number, user=ALICE)
        assert commit.killed
        async with recovered(scene, stack, "restart") as after:
            deps = after.runtime.deps
            if when == "before":
                # Nothing of the close happened: the incident is open, nothing was shared.
                assert (await deps.incidents.get(number)).status is Status.OPEN
                assert not (await deps.postmortems.document(number)).stored
                assert after.emulator.files == []
                await close_anyway(after, number, user=ALICE)  # so its commander closes it again
            assert await provisioning_problems(after, number, closed=True) == []


async def test_a_declaration_retried_where_the_bot_cannot_read_the_announce_channel_completes(
    database_url: str, open_rig: OpenRig
) -> None:
    """The retry cannot look for an earlier announcement there; it announces (once: the dead
    process had not yet) instead of failing forever before the checklist and the digest."""
    scene = Scene(database_url, open_rig, bot_in_announce_channel=False)
    card = CrashPoint("chat.postMessage", 1, "after")
    assert await declaration_killed(scene, card, "restart") == []


# -- two replicas ------------------------------------------------------------------------------


async def test_a_replica_started_mid_declaration_leaves_it_to_the_one_at_work(
    database_url: str, open_rig: OpenRig
) -> None:
    scene = Scene(database_url, open_rig)
    async with scene.doomed_app() as (first, tap):
        number = await declare(first)
        tap.arm(None)
        creating = tap.when_started("conversations.create")
        release = tap.hold("conversations.create")
        working = asyncio.create_task(first.runtime.projector.drain())
        await creating.wait()
        async with scene.app() as second:  # its start-up runs its projector once
            assert await second.runtime.projector.drain() == 0
            release.set()
            assert await working > 0
            assert await second.runtime.projector.drain() == 0
            assert second.runtime.projector.performed == 0
            assert await provisioning_problems(second, number, closed=False) == []
    creates = [c for c in scene.emulator.calls if c.method == "conversations.create"]
    assert len(creates) == 1


async def test_a_replica_finishes_a_declaration_whose_replica_died_after_making_the_channel(
    database_url: str, open_rig: OpenRig
) -> None:
    scene = Scene(database_url, open_rig)
    async with scene.doomed_app() as (first, tap):
        number = await declare(first)
        tap.arm(CrashPoint("conversations.create", 1, "after"))
        await kill(first)
        async with scene.app() as second:
            # The dead replica's lease still stands: the other one waits for it to lapse.
            assert await second.runtime.projector.drain() == 0
            [made] = [c for c in scene.emulator.channels if c.name.startswith(f"aiinc-{number}-")]
            assert scene.emulator.messages(made.id) == []
            scene.clock.advance(seconds=LEASE_LAPSED.total_seconds())
            await second.runtime.projector.drain()
            assert second.runtime.projector.performed > 0
            assert await provisioning_problems(second, number, closed=False) == []
    creates = [c.error for c in scene.emulator.calls if c.method == "conversations.create"]
    assert creates == [None, "name_taken"]  # its own channel, adopted: no "-2"
