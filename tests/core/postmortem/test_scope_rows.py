"""Scope rows: added (once per submission key), edited, removed; a scope that contradicts the
severity is said once, when it becomes true."""

from __future__ import annotations

import pytest

from bot.core.forms import FormInvalid
from bot.core.incidents.model import Severity
from tests.core.assembly import BOB, Core
from tests.core.postmortem import submissions


async def test_rows_are_kept_in_order_and_a_repeated_submission_adds_one() -> None:
    core = Core()
    await core.declare()
    await submissions.scope_row(
        core, 1, actor=BOB, slice_="New filings", baseline="97", value="61", once="view-1"
    )
    await submissions.scope_row(
        core, 1, actor=BOB, slice_="New filings", baseline="97", value="61", once="view-1"
    )
    saved = await submissions.scope_row(
        core, 1, actor=BOB, slice_="Older case law", baseline="97", value="96"
    )
    assert [(r.slice, r.incident_value) for r in saved.rows] == [
        ("New filings", 61),
        ("Older case law", 96),
    ]


async def test_a_row_is_edited_and_removed_and_a_gone_row_stays_gone() -> None:
    core = Core()
    await core.declare()
    saved = await submissions.scope_row(core, 1, actor=BOB, slice_="All", baseline="97", value="61")
    [row] = saved.rows
    edited = await submissions.edit_row(
        core, 1, row.id or 0, actor=BOB, slice_="All", baseline="97", value="90"
    )
    assert [r.incident_value for r in edited.rows] == [90]
    removed = await core.records.remove_slice(number=1, slice_id=row.id or 0, actor=BOB)
    assert removed.rows == []
    again = await core.records.remove_slice(number=1, slice_id=row.id or 0, actor=BOB)
    assert again.rows == []  # removing what is gone is what the person wanted


async def test_a_row_without_numbers_is_refused_and_stores_nothing() -> None:
    core = Core()
    await core.declare()
    with pytest.raises(FormInvalid):
        await submissions.scope_row(core, 1, actor=BOB, slice_="All", baseline="lots", value="")
    assert (await core.postmortems.analysis_of(1)).slices == []


async def test_a_scope_that_contradicts_the_severity_is_said_once() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare(severity=Severity.S3))
    core.slack.forget()
    first = await submissions.scope_row(
        core, 1, actor=BOB, slice_="Everyone", baseline="97", value="20", users="50000"
    )
    second = await submissions.scope_row(
        core, 1, actor=BOB, slice_="Everyone else", baseline="97", value="25", users="40000"
    )
    assert first.contradiction is not None and second.contradiction is not None
    assert core.slack.notices_in(channel) == 1
