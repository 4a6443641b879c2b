"""App Home: everyone sees the open incidents; each person sees the open items they own."""

from __future__ import annotations

from tests.core.assembly import ALICE, BOB, CAROL, Core
from tests.core.postmortem import submissions

ARTEFACT = "https://git.example.com/legal-rag/-/merge_requests/321"


async def test_home_lists_open_incidents_and_only_the_viewers_open_items() -> None:
    core = Core()
    await core.declare("Citations to cases that do not exist")
    await core.declare("Refusals doubled on refund questions", key="second")
    mine = await submissions.action(core, 1, actor=ALICE, title="Re-index on update", owner=BOB)
    await submissions.action(core, 2, actor=ALICE, title="Alert on refusal rate", owner=BOB)
    await submissions.action(core, 1, actor=ALICE, title="Calibrate the judge", owner=CAROL)
    await submissions.action(core, 1, actor=ALICE, title="Nobody's yet")
    assert mine is not None and mine.item.id is not None
    await submissions.complete(core, 1, mine.item.id, actor=BOB, artefact_url=ARTEFACT)

    home = await core.home.for_user(BOB)

    assert [i.title for i in home.open_incidents] == [
        "Citations to cases that do not exist",
        "Refusals doubled on refund questions",
    ]
    assert [(o.incident_number, o.item.title) for o in home.owned_items] == [
        (2, "Alert on refusal rate")
    ]


async def test_a_person_with_nothing_open_sees_no_items() -> None:
    core = Core()
    await core.declare()
    await submissions.action(core, 1, actor=ALICE, title="Re-index on update", owner=BOB)

    home = await core.home.for_user(CAROL)

    assert len(home.open_incidents) == 1
    assert home.owned_items == []
