"""The flags for a story that contradicts itself: the root cause's "moved first" against the
changes on the timeline, and a time-to-detect counted from a start nobody revised.

Each test starts from a seed case (the legal-RAG one raises no flag) and changes one thing."""

from __future__ import annotations

from datetime import timedelta

from bot.core.postmortem.analysis import AxisFinding
from bot.core.postmortem.draft import DECLARED_START_EVENT, PostmortemInput
from bot.core.postmortem.flags import Flag, review
from bot.core.timeline import Axis, TimelineEvent, TimelineKind
from tests.core.assembly import CAROL, Core
from tests.core.postmortem import submissions
from tests.core.postmortem.postmortem_cases import at, event, legal_rag, medical_triage

AFTER_START = "first_axis_changed_after_start"
OTHER_AXIS_EARLIER = "earlier_change_on_other_axis"
DECLARED_START = "time_to_detect_from_declared_start"
STORY_CODES = {AFTER_START, OTHER_AXIS_EARLIER, DECLARED_START}


def flagged(draft: PostmortemInput, code: str) -> list[Flag]:
    return [flag for flag in review(draft) if flag.code == code]


def story_codes(draft: PostmortemInput) -> set[str]:
    return {flag.code for flag in review(draft)} & STORY_CODES


def index_change(draft: PostmortemInput) -> TimelineEvent:
    [change] = [e for e in draft.timeline if e.kind is TimelineKind.INDEX_CHANGE]
    return change


def declared_start(draft: PostmortemInput, when: str) -> None:
    """What the declaration does with the start it is given: the incident keeps it, the
    timeline shows it, and the detection form, opened on it and saved, carries it over."""
    moment = at(when)
    draft.incident.regression_started_at = moment
    assert draft.detection is not None
    draft.detection.regression_started_at = moment
    draft.timeline.append(
        TimelineEvent(
            incident_number=draft.incident.number or 0,
            occurred_at=moment,
            recorded_at=at("2024-03-04 17:05"),
            kind=TimelineKind.DETECTION,
            actor="U_DANA",
            summary="Regression started (as declared)",
            details={"event": DECLARED_START_EVENT},
        )
    )


def test_the_seed_cases_tell_a_consistent_story() -> None:
    assert story_codes(legal_rag()) == set()
    assert story_codes(medical_triage()) == set()


# --- (a) the axis called first changed after the regression started --------------------------


def test_a_first_axis_whose_change_came_after_the_regression_start_is_flagged() -> None:
    draft = legal_rag()
    index_change(draft).occurred_at = at("2024-02-10 12:00")  # start stays 2024-01-22 09:00

    [flag] = flagged(draft, AFTER_START)
    assert not flag.blocking
    assert flag.where == "root_cause.first_axis"
    assert "Data is recorded as the axis that moved first" in flag.detail
    assert "2024-02-10 12:00 UTC" in flag.detail  # the change
    assert "2024-01-22 09:00 UTC" in flag.detail  # the regression start
    assert "19 d 3 h after" in flag.detail
    assert "Corpus update" in flag.detail


def test_a_start_taken_from_the_change_to_the_minute_is_not_a_contradiction() -> None:
    # The detection form takes the change's time to the minute; the ledger has its seconds.
    draft = legal_rag()
    index_change(draft).occurred_at = at("2024-01-22 09:00") + timedelta(seconds=41)

    assert flagged(draft, AFTER_START) == []


def test_a_later_change_on_the_first_axis_does_not_hide_an_earlier_one() -> None:
    # A re-index during the mitigation is a data change too; the one that counts is the first.
    draft = legal_rag()
    draft.timeline.append(
        event(12, "2024-03-06 11:00", TimelineKind.INDEX_CHANGE, "Re-index started")
    )

    assert flagged(draft, AFTER_START) == []


def test_no_change_on_the_first_axis_on_the_timeline_is_not_a_contradiction() -> None:
    draft = legal_rag()
    draft.timeline.remove(index_change(draft))

    assert story_codes(draft) == set()


# --- (b) another chosen axis changed before the one called first ------------------------------


def medical_with_judge_change(when: str) -> PostmortemInput:
    draft = medical_triage()  # Judge and Model chosen, Model first (changed 2024-05-06 08:00)
    draft.timeline.append(
        event(27, when, TimelineKind.JUDGE_CHANGE, "Refusal judge grader-v2 → grader-v3")
    )
    return draft


def test_an_earlier_change_on_another_chosen_axis_is_flagged() -> None:
    draft = medical_with_judge_change("2024-05-02 14:00")

    [flag] = flagged(draft, OTHER_AXIS_EARLIER)
    assert not flag.blocking
    assert flag.where == "root_cause.first_axis"
    assert "Model is recorded as the axis that moved first" in flag.detail
    assert "2024-05-06 08:00 UTC" in flag.detail
    assert "Judge, also chosen, changed 3 d 18 h earlier" in flag.detail
    assert "2024-05-02 14:00 UTC" in flag.detail
    assert "grader-v3" in flag.detail


def test_a_later_change_on_another_chosen_axis_is_not_flagged() -> None:
    assert flagged(medical_with_judge_change("2024-05-07 09:00"), OTHER_AXIS_EARLIER) == []


def test_an_earlier_change_on_an_axis_nobody_chose_is_not_flagged() -> None:
    draft = medical_triage()
    draft.timeline.append(
        event(27, "2024-04-20 10:00", TimelineKind.PROMPT_CHANGE, "System prompt v12")
    )

    assert flagged(draft, OTHER_AXIS_EARLIER) == []


def test_each_earlier_chosen_axis_is_named() -> None:
    draft = medical_with_judge_change("2024-05-02 14:00")
    root = draft.root_cause
    assert root is not None
    root.axes.append(
        AxisFinding(
            axis=Axis.PROMPT,
            what_changed="Safety preamble shortened",
            evidence_url="https://git.example.com/triage/prompts/-/commit/4e1",
        )
    )
    draft.timeline.append(
        event(27, "2024-05-01 09:00", TimelineKind.PROMPT_CHANGE, "Safety preamble shortened")
    )

    details = [flag.detail for flag in flagged(draft, OTHER_AXIS_EARLIER)]
    assert len(details) == 2
    assert any("Judge, also chosen" in d for d in details)
    assert any("Prompt, also chosen" in d for d in details)


# --- (c) time-to-detect from a declared start, younger than the change called first -----------


def test_time_to_detect_from_a_declared_start_younger_than_the_first_change_is_flagged() -> None:
    # The demo's story: the corpus updated six weeks before, the start declared "3 days ago".
    draft = legal_rag()
    declared_start(draft, "2024-03-01 17:20")  # first alarm 2024-03-04 16:20

    [flag] = flagged(draft, DECLARED_START)
    assert not flag.blocking
    assert flag.where == "detection.regression_started_at"
    assert "Time-to-detect reads 2 d 23 h" in flag.detail
    assert "as declared (2024-03-01 17:20 UTC)" in flag.detail
    assert "Data change that moved first (2024-01-22 09:00 UTC" in flag.detail
    assert "was 42 d 7 h old at the first alarm (2024-03-04 16:20 UTC)" in flag.detail
    # The change before the start is what this flag is about, not a change after it.
    assert flagged(draft, AFTER_START) == []


def test_a_start_revised_after_the_declaration_is_not_flagged() -> None:
    draft = legal_rag()
    declared_start(draft, "2024-03-01 17:20")
    assert draft.detection is not None
    draft.detection.regression_started_at = at("2024-01-22 09:00")  # read off the ledger

    assert story_codes(draft) == set()


def test_a_declared_start_the_first_change_does_not_precede_is_not_this_flag() -> None:
    draft = legal_rag()
    declared_start(draft, "2024-01-22 09:00")

    assert flagged(draft, DECLARED_START) == []


def test_a_start_given_only_in_the_detection_form_is_not_taken_for_a_declared_one() -> None:
    # Medical triage: model changed 2024-05-06, start 2024-05-10 entered in Detection.
    draft = medical_triage()
    assert draft.detection is not None and draft.detection.time_to_detect is not None

    assert flagged(draft, DECLARED_START) == []


# --- where "as declared" comes from -----------------------------------------------------------


async def test_the_declared_start_stays_declared_until_detection_revises_it() -> None:
    core = Core()
    declared = core.clock.now() - timedelta(days=3)
    await core.declare(regression_started_at=declared)

    async def as_declared() -> bool:
        analysis = await core.postmortems.reader.analysis_of(1, with_timeline=True)
        return analysis.draft().regression_start_as_declared()

    assert await as_declared()

    # The detection form opens on the declared start; saving it as it is revises nothing.
    alarm = core.clock.now() - timedelta(hours=1)
    await submissions.detection(
        core, 1, actor=CAROL, regression_started_at=declared, first_alarm_at=alarm
    )
    assert await as_declared()

    await submissions.detection(
        core,
        1,
        actor=CAROL,
        regression_started_at=core.clock.now() - timedelta(days=42),
        first_alarm_at=alarm,
    )
    assert not await as_declared()
