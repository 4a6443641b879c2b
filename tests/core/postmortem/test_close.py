"""Closing: open blocking review flags stop the close unless someone closes anyway (and that
decision is stored); a close records the resolution, stores and posts the postmortem, and
happens once per submission."""

from __future__ import annotations

import pytest

from bot.core.incidents.model import Status
from bot.core.postmortem.service import BlockingFlagsOpen
from bot.core.timeline import TimelineKind
from tests.core.assembly import ALICE, BOB, Core
from tests.core.postmortem import submissions


async def recorded_well(core: Core) -> None:
    """Everything the blocking review flags ask for: an evidenced axis and an eval-set item."""
    await submissions.root_cause(
        core,
        1,
        actor=BOB,
        evidence={"data": "https://git.example.com/corpus/-/merge_requests/318"},
        first_axis="data",
    )
    await submissions.action(
        core, 1, actor=BOB, title="Add the filings as regression cases", category="eval_set"
    )


async def test_open_blocking_flags_stop_the_close_and_change_nothing() -> None:
    core = Core()
    await core.declare()
    core.slack.forget()
    with pytest.raises(BlockingFlagsOpen) as refused:
        await submissions.close(core, 1, actor=ALICE)
    assert {flag.code for flag in refused.value.flags} >= {"no_root_cause_axis"}
    assert core.storage.incident(1).status is Status.OPEN
    assert (await core.postmortems.analysis_of(1)).resolution is None
    assert core.publisher.calls == [] and core.slack.calls == []


async def test_a_well_recorded_incident_closes_and_its_postmortem_is_stored_and_posted() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    await recorded_well(core)
    closed = await submissions.close(core, 1, actor=ALICE)
    assert closed is not None and closed.overridden == []
    incident = core.storage.incident(1)
    assert incident.status is Status.CLOSED and incident.closed_at == core.clock.now()
    assert (await core.postmortems.analysis_of(1)).resolution is not None
    assert (await core.postmortems.document(1)).stored
    [upload] = core.publisher.called("upload_markdown")
    assert upload["channel_id"] == channel and upload["content"] == closed.postmortem.markdown
    assert core.slack.methods()[-1] == "update_card"  # the card shows it closed
    assert core.publisher.called("archive_channel") == []  # only when the setting asks


async def test_closing_anyway_stores_who_overrode_which_flags_and_why() -> None:
    core = Core()
    await core.declare()
    closed = await submissions.close(core, 1, actor=ALICE, anyway=True, reason="Legal asked")
    assert closed is not None and closed.overridden
    override = (await core.postmortems.analysis_of(1)).close_override
    assert override is not None and override.by == ALICE and override.reason == "Legal asked"
    assert set(override.flags) == {flag.code for flag in closed.overridden}
    closing = [e for e in core.storage.timeline(1) if e.details.get("event") == "closed"]
    assert [e.kind for e in closing] == [TimelineKind.STATUS]
    assert closing[0].details["overridden"] == override.flags


async def test_the_same_close_submitted_twice_closes_once() -> None:
    core = Core()
    await core.declare()
    await recorded_well(core)
    assert await submissions.close(core, 1, actor=ALICE, once="view-9") is not None
    assert await submissions.close(core, 1, actor=ALICE, once="view-9") is None
    assert len(core.publisher.called("upload_markdown")) == 1


async def test_the_channel_is_archived_at_close_when_the_setting_asks() -> None:
    core = Core(archive_on_close=True)
    channel = Core.channel_of(await core.declare())
    await submissions.close(core, 1, actor=ALICE, anyway=True)
    assert core.publisher.called("archive_channel") == [{"channel_id": channel}]
