"""Action items: added once per submission, taken or assigned, done only with an artefact,
dropped; after the close they still change and the stored postmortem follows them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.forms import FormInvalid
from bot.core.postmortem.analysis import ActionStatus
from tests.core.assembly import ALICE, BOB, CAROL, Core
from tests.core.postmortem import submissions

ARTEFACT = "https://git.example.com/legal-rag/-/merge_requests/321"


async def test_an_item_is_added_once_per_submission_and_numbered() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    due = core.clock.now().date() + timedelta(days=10)
    core.slack.forget()
    added = await submissions.action(
        core, 1, actor=ALICE, title="Re-index on every corpus update", owner=BOB, due=due, once="v1"
    )
    repeated = await submissions.action(
        core, 1, actor=ALICE, title="Re-index on every corpus update", owner=BOB, due=due, once="v1"
    )
    assert added is not None and repeated is None
    assert (added.position, added.item.owner_id, added.item.due) == (1, BOB, due)
    assert len((await core.postmortems.analysis_of(1)).action_items) == 1
    assert core.slack.notices_in(channel) == 1
    assert core.slack.methods()[-1] == "update_card"  # the card counts open items


async def test_an_item_is_taken_assigned_and_listed_for_its_owner() -> None:
    core = Core()
    await core.declare()
    first = await submissions.action(core, 1, actor=ALICE, title="Add regression cases")
    second = await submissions.action(core, 1, actor=ALICE, title="Alert on relevance")
    assert first is not None and second is not None
    await core.action_items.take_action(number=1, item_id=first.item.id or 0, actor=CAROL)
    await core.action_items.assign_action(
        number=1, item_id=second.item.id or 0, owner_id=BOB, actor=CAROL
    )
    assert [(n, i.title) for n, i in await core.action_items.open_items_of(CAROL)] == [
        (1, "Add regression cases")
    ]
    assert [(n, i.title) for n, i in await core.action_items.open_items_of(BOB)] == [
        (1, "Alert on relevance")
    ]


async def test_an_item_is_done_only_with_an_artefact() -> None:
    core = Core()
    await core.declare()
    added = await submissions.action(core, 1, actor=ALICE, title="Re-index", owner=BOB)
    assert added is not None
    item_id = added.item.id or 0
    with pytest.raises(FormInvalid):
        await submissions.complete(core, 1, item_id, actor=BOB, artefact_url=None)
    [still] = (await core.postmortems.analysis_of(1)).action_items
    assert still.status is ActionStatus.OPEN
    done = await submissions.complete(core, 1, item_id, actor=BOB, artefact_url=ARTEFACT)
    assert done is not None
    [item] = (await core.postmortems.analysis_of(1)).action_items
    assert item.status is ActionStatus.DONE and item.artefact_url == ARTEFACT
    assert item.done_at == core.clock.now()
    assert await core.action_items.open_items_of(BOB) == []


async def test_a_dropped_item_leaves_the_open_list() -> None:
    core = Core()
    await core.declare()
    added = await submissions.action(core, 1, actor=ALICE, title="Not worth it", owner=BOB)
    assert added is not None
    await core.action_items.drop_action(number=1, item_id=added.item.id or 0, actor=ALICE)
    [item] = (await core.postmortems.analysis_of(1)).action_items
    assert item.status is ActionStatus.DROPPED
    assert await core.action_items.open_items_of(BOB) == []


async def test_after_the_close_an_item_still_changes_and_the_stored_postmortem_follows() -> None:
    core = Core()
    await core.declare()
    added = await submissions.action(
        core, 1, actor=ALICE, title="Add the filings as regression cases", category="eval_set"
    )
    assert added is not None
    await submissions.close(core, 1, actor=ALICE, anyway=True)
    before = await core.postmortems.document(1)
    assert before.stored and "@carol" not in before.postmortem.markdown
    await core.action_items.take_action(number=1, item_id=added.item.id or 0, actor=CAROL)
    after = await core.postmortems.document(1)
    assert "@carol" in after.postmortem.markdown
