"""Recording the root cause: the axes with their evidence and which moved first; an axis the
form does not know is refused."""

from __future__ import annotations

import pytest

from bot.core.forms import FormInvalid
from bot.core.timeline import Axis
from tests.core.assembly import CAROL, Core
from tests.core.postmortem import submissions

CORPUS_MR = "https://git.example.com/corpus/-/merge_requests/318"


async def test_the_root_cause_is_kept_with_the_axis_that_moved_first() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    core.slack.forget()
    await submissions.root_cause(
        core,
        1,
        actor=CAROL,
        evidence={"data": CORPUS_MR, "model": "https://traces.example.com/t/9f1c"},
        first_axis="data",
    )
    root = (await core.postmortems.analysis_of(1)).root_cause
    assert root is not None and root.first_axis is Axis.DATA
    assert [(f.axis, f.evidence_url) for f in root.axes] == [
        (Axis.DATA, CORPUS_MR),
        (Axis.MODEL, "https://traces.example.com/t/9f1c"),
    ]
    assert core.slack.notices_in(channel) == 1


async def test_an_unknown_axis_is_refused_and_nothing_is_kept() -> None:
    core = Core()
    await core.declare()
    with pytest.raises(FormInvalid):
        await submissions.root_cause(core, 1, actor=CAROL, evidence={"astrology": CORPUS_MR})
    assert (await core.postmortems.analysis_of(1)).root_cause is None
