"""The "what changed" digest: an incident opens with one over its feature's recent changes; a
change in it can be put on the timeline once, and the digest then knows it is there."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.changes.model import Change, ChangeKind
from bot.core.changes.service import ChangeNotFound
from bot.core.errors import IncidentClosed
from bot.core.incidents.model import Status
from tests.core.assembly import BOB, FEATURE, Core


async def ledger_before_the_incident(core: Core) -> list[Change]:
    """Two changes of the feature and one of another, recorded before anyone declared."""
    day = timedelta(days=1)
    changes = [
        Change(
            source="ci",
            external_id=external_id,
            kind=kind,
            occurred_at=core.clock.now() - days_ago * day,
            service=service,
            summary=f"{kind.value} change",
        )
        for external_id, kind, days_ago, service in (
            ("judge-7", ChangeKind.JUDGE, 2, FEATURE),
            ("index-12", ChangeKind.INDEX, 3, FEATURE),
            ("elsewhere", ChangeKind.MODEL, 1, "support-bot"),
        )
    ]
    return (await core.changes.record(changes)).changes


async def test_an_incident_opens_with_a_digest_of_its_features_recent_changes() -> None:
    core = Core()
    await ledger_before_the_incident(core)
    core.clock.advance(hours=1)
    await core.declare()
    [posted] = core.change_slack.called("post_digest")
    digest = posted["digest"]
    shown = {c.external_id for group in digest.groups for c in group.changes}
    assert shown == {"judge-7", "index-12"}
    assert posted["incident"].number == 1 and posted["on_timeline"] == frozenset()


async def test_adding_a_digest_change_to_the_timeline_is_done_once() -> None:
    core = Core()
    judge, _, _ = await ledger_before_the_incident(core)
    await core.declare()
    core.change_slack.forget()
    first = await core.changes.add_to_timeline(
        incident_number=1, change_id=judge.id or 0, actor=BOB
    )
    second = await core.changes.add_to_timeline(
        incident_number=1, change_id=judge.id or 0, actor=BOB
    )
    assert first.added and not second.added
    assert core.change_slack.methods() == ["post_change_added"]
    view = await core.changes.digest(incident=core.storage.incident(1))
    assert view.on_timeline == frozenset({judge.dedupe_key})


async def test_a_change_not_in_the_ledger_or_a_closed_incident_is_refused() -> None:
    core = Core()
    await core.declare()
    with pytest.raises(ChangeNotFound):
        await core.changes.add_to_timeline(incident_number=1, change_id=99, actor=BOB)
    async with core.storage() as tx:
        incident = await tx.incidents.get(number=1)
        assert incident is not None
        incident.status = Status.CLOSED
        await tx.incidents.save(incident=incident)
    with pytest.raises(IncidentClosed):
        await core.changes.add_to_timeline(incident_number=1, change_id=1, actor=BOB)


async def test_the_ledger_lists_newest_first_and_says_when_it_cut_the_list() -> None:
    core = Core()
    await ledger_before_the_incident(core)
    page = await core.changes.list_changes(
        since=core.clock.now() - timedelta(days=7), until=core.clock.now(), limit=2
    )
    assert [c.external_id for c in page.changes] == ["elsewhere", "judge-7"]
    assert page.truncated
    mine = await core.changes.list_changes(
        since=core.clock.now() - timedelta(days=7),
        until=core.clock.now(),
        service=FEATURE.upper(),
        kinds=[ChangeKind.INDEX],
    )
    assert [c.external_id for c in mine.changes] == ["index-12"] and not mine.truncated
