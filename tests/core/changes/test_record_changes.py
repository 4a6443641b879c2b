"""Recording changes: stored once per (source, external_id), put on the timeline of every open
incident that follows them (its feature, or provider-wide), and told to those channels; a
repeat stores nothing and reaches no channel."""

from __future__ import annotations

from datetime import timedelta

from bot.core.changes.model import Change, ChangeKind
from bot.core.timeline import TimelineKind
from tests.core.assembly import BOB, FEATURE, Core


def a_change(core: Core, external_id: str = "sha-1", **fields: object) -> Change:
    values: dict[str, object] = {
        "source": "github",
        "external_id": external_id,
        "kind": ChangeKind.PROMPT,
        "occurred_at": core.clock.now() - timedelta(minutes=5),
        "service": FEATURE,
        "summary": "Tighten the citation instructions",
    }
    return Change.model_validate(values | fields)


async def test_a_change_is_stored_and_lands_on_the_incident_that_follows_it() -> None:
    core = Core()
    await core.declare()
    core.change_slack.forget()
    recorded = await core.changes.record([a_change(core)])
    [stored] = recorded.new
    assert stored.id is not None and recorded.incidents == [1]
    [line] = [e for e in core.storage.timeline(1) if e.kind is TimelineKind.PROMPT_CHANGE]
    assert line.dedupe_key == stored.dedupe_key
    [told] = core.change_slack.called("post_changes")
    assert told["changes"] == [stored] and told["recorded_by"] is None


async def test_a_repeated_change_answers_the_same_and_stores_and_tells_nothing() -> None:
    core = Core()
    await core.declare()
    first = await core.changes.record([a_change(core)])
    core.change_slack.forget()
    again = await core.changes.record([a_change(core, summary="a retry, reworded")])
    assert again.changes == first.changes and again.new == [] and again.incidents == []
    assert len(core.storage.committed.changes) == 1
    assert core.change_slack.calls == []
    kinds = [e.kind for e in core.storage.timeline(1)]
    assert kinds.count(TimelineKind.PROMPT_CHANGE) == 1


async def test_a_batch_answers_in_the_order_sent_with_repeats_in_place() -> None:
    core = Core()
    await core.changes.record([a_change(core, "b")])
    recorded = await core.changes.record([a_change(core, "c"), a_change(core, "b")])
    assert [c.external_id for c in recorded.changes] == ["c", "b"]
    assert [c.external_id for c in recorded.new] == ["c"]


async def test_other_features_changes_stay_off_the_timeline_but_provider_wide_ones_land() -> None:
    core = Core()
    await core.declare()
    await core.changes.record(
        [
            a_change(core, "other", service="support-bot"),
            a_change(core, "provider", service=None, kind=ChangeKind.MODEL),
        ]
    )
    keys = {e.dedupe_key for e in core.storage.timeline(1) if e.dedupe_key}
    assert keys == {"change:github:provider"}


async def test_a_change_recorded_from_a_channel_lands_there_whatever_its_feature() -> None:
    core = Core()
    await core.declare(ai_feature=None)
    await core.changes.record(
        [a_change(core, service="support-bot")], incident_number=1, recorded_by=BOB
    )
    [told] = core.change_slack.called("post_changes")
    assert told["recorded_by"] == BOB
    assert any(e.kind is TimelineKind.PROMPT_CHANGE for e in core.storage.timeline(1))
