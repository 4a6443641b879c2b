"""An eval-set item whose incident's regression cases never left the bot is chased in the
incident's channel a week after the close, once a week, until the cases are exported (or the
item is done or dropped)."""

from __future__ import annotations

from bot.core.cases.forms import CaseInput
from bot.core.cases.model import CaseSource
from bot.core.cases.service import CaseService, ExportFormat
from bot.core.reminders.notices import CasesNotInEvalSet
from bot.core.reminders.rules import DueReminder, ReminderKind
from bot.slack.messages.reminders import reminder_text
from tests.core.assembly import ALICE, BOB, Core
from tests.core.postmortem import submissions


def chased(core: Core) -> list[DueReminder]:
    return [
        call["reminder"]
        for call in core.slack.called("send_reminder")
        if call["reminder"].kind is ReminderKind.EVAL_SET_HELD
    ]


async def closed_with_eval_set_item(core: Core, *, cases: int) -> tuple[CaseService, str, int]:
    channel = Core.channel_of(await core.declare())
    service = CaseService(uow=core.storage, clock=core.clock)
    added = await submissions.action(
        core,
        1,
        actor=ALICE,
        title="Add the fabricated-citation queries to the eval set",
        category="eval_set",
        owner=BOB,
    )
    assert added is not None and added.item.id is not None
    for n in range(cases):
        await service.capture(
            number=1,
            actor=ALICE,
            form=CaseInput.check({"input": f"failing query {n}", "expected": "cites no fiction"}),
            source=CaseSource.COMMAND,
        )
    await submissions.close(core, 1, actor=ALICE, anyway=True)
    return service, channel, added.item.id


async def test_cases_held_in_the_bot_are_chased_a_week_after_close_then_weekly() -> None:
    core = Core()
    _, channel, _ = await closed_with_eval_set_item(core, cases=3)

    core.clock.advance(days=6, hours=23)
    await core.reminders.tick()
    assert chased(core) == []  # not before a week

    core.clock.advance(hours=1)
    await core.reminders.tick()
    await core.reminders.tick()  # once per week, however often the tick runs
    [first] = chased(core)
    assert first.channel_id == channel and first.user_id is None
    assert isinstance(first.facts, CasesNotInEvalSet)
    assert (first.facts.captured, first.facts.held) == (3, 3)
    assert "all 3 regression cases have not left the bot" in reminder_text(first)
    assert "ai-incident cases export 1" in reminder_text(first)

    core.clock.advance(days=7)
    await core.reminders.tick()
    assert len(chased(core)) == 2


async def test_exporting_the_cases_ends_the_chase() -> None:
    core = Core()
    service, _, _ = await closed_with_eval_set_item(core, cases=2)
    await service.export(1, ExportFormat.JSONL)
    core.clock.advance(days=8)
    await core.reminders.tick()
    assert chased(core) == []


async def test_no_case_at_all_is_chased_with_the_way_to_capture_one() -> None:
    core = Core()
    await closed_with_eval_set_item(core, cases=0)
    core.clock.advance(days=8)
    await core.reminders.tick()
    [reminder] = chased(core)
    assert "no regression case was captured" in reminder_text(reminder)
    assert "/ai-incident case" in reminder_text(reminder)


async def test_a_dropped_eval_set_item_is_not_chased() -> None:
    core = Core()
    _, _, item_id = await closed_with_eval_set_item(core, cases=1)
    await core.action_items.drop_action(number=1, item_id=item_id, actor=ALICE)
    core.clock.advance(days=8)
    await core.reminders.tick()
    assert chased(core) == []


async def test_an_open_incident_is_not_chased_for_its_eval_set() -> None:
    core = Core()
    await core.declare()
    await submissions.action(
        core, 1, actor=ALICE, title="Add cases", category="eval_set", owner=BOB
    )
    core.clock.advance(days=30)
    assert [r for r in await core.reminders.due() if r.kind is ReminderKind.EVAL_SET_HELD] == []
