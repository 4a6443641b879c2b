"""Each review flag fires on the anti-pattern it names and stays silent when it is absent.

The legal-RAG case is recorded well and raises no flag; each test changes one thing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.postmortem.analysis import (
    ActionCategory,
    ActionItem,
    ActionStatus,
    AxisFinding,
    CalibrationRecord,
    RootCause,
    WhyNotCaught,
)
from bot.core.postmortem.draft import PostmortemInput
from bot.core.postmortem.flags import Flag, blocking, review
from bot.core.timeline import Axis
from tests.core.postmortem.postmortem_cases import legal_rag, medical_triage


@pytest.fixture
def legal_rag_draft() -> PostmortemInput:
    return legal_rag()


@pytest.fixture
def medical_triage_draft() -> PostmortemInput:
    return medical_triage()


CREATED = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)


def codes(draft: PostmortemInput) -> list[str]:
    return [flag.code for flag in review(draft)]


def flagged(draft: PostmortemInput, code: str) -> list[Flag]:
    return [flag for flag in review(draft) if flag.code == code]


def item(category: ActionCategory, title: str, **extra: object) -> ActionItem:
    values: dict[str, object] = {
        "category": category,
        "title": title,
        "owner_id": "U_DANA",
        "due": date(2024, 4, 1),
        "created_at": CREATED,
    }
    values.update(extra)
    return ActionItem.model_validate(values)


RECORD = CalibrationRecord(labels=24, kappa=0.81, tpr=0.92, tnr=0.88, judge_version="grader-v4")


def test_a_well_recorded_postmortem_raises_no_flag(legal_rag_draft: PostmortemInput) -> None:
    assert review(legal_rag_draft) == []


# --- root cause -------------------------------------------------------------------------------


def test_no_root_cause_is_a_blocking_flag(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.root_cause = None

    [flag] = flagged(legal_rag_draft, "no_root_cause_axis")
    assert flag.blocking
    assert flag.where == "root_cause.axes"


def test_a_root_cause_with_no_axes_is_flagged_too(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.root_cause = RootCause(why_not_caught=WhyNotCaught.EVAL_COVERAGE_GAP)

    assert "no_root_cause_axis" in codes(legal_rag_draft)


def test_an_axis_without_evidence_blocks(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.root_cause is not None
    legal_rag_draft.root_cause.axes[0].evidence_url = "see Slack"

    [flag] = flagged(legal_rag_draft, "axis_without_evidence")
    assert flag.blocking
    assert flag.where == "root_cause.evidence_url.data"
    assert "Data" in flag.detail


def test_an_axis_without_what_changed_blocks(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.root_cause is not None
    legal_rag_draft.root_cause.axes[0].what_changed = "  "

    [flag] = flagged(legal_rag_draft, "axis_without_what_changed")
    assert flag.blocking and flag.where == "root_cause.what_changed.data"


def test_several_axes_without_the_first_one_are_flagged(legal_rag_draft: PostmortemInput) -> None:
    root = legal_rag_draft.root_cause
    assert root is not None
    root.axes.append(
        AxisFinding(
            axis=Axis.ENVIRONMENT,
            what_changed="Vector DB upgraded",
            evidence_url="https://git.example.com/infra/-/merge_requests/9",
        )
    )
    assert "first_axis_not_recorded" not in codes(legal_rag_draft)

    root.first_axis = None
    assert "first_axis_not_recorded" in codes(legal_rag_draft)


def test_a_missing_why_not_caught_is_flagged(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.root_cause is not None
    legal_rag_draft.root_cause.why_not_caught = None

    assert "why_not_caught_missing" in codes(legal_rag_draft)


# --- remediation ------------------------------------------------------------------------------


def test_no_eval_set_item_blocks(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.action_items = [
        a for a in legal_rag_draft.action_items if a.category is not ActionCategory.EVAL_SET
    ]

    [flag] = flagged(legal_rag_draft, "no_eval_set_action")
    assert flag.blocking


def test_a_dropped_eval_set_item_does_not_count(legal_rag_draft: PostmortemInput) -> None:
    for action in legal_rag_draft.action_items:
        if action.category is ActionCategory.EVAL_SET:
            action.status = ActionStatus.DROPPED

    assert "no_eval_set_action" in codes(legal_rag_draft)


def test_an_alarm_without_a_regression_case_is_flagged(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.action_items = [
        item(ActionCategory.GATE, "Add an alert on citation accuracy below 95%")
    ]

    [flag] = flagged(legal_rag_draft, "alert_without_regression_case")
    assert flag.where == "action_items.1"
    assert not flag.blocking


def test_an_alarm_beside_a_regression_case_is_fine(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.action_items = [
        item(ActionCategory.GATE, "Add an alert on citation accuracy below 95%"),
        item(ActionCategory.EVAL_SET, "Add the fabricated-citation queries as regression cases"),
    ]

    assert "alert_without_regression_case" not in codes(legal_rag_draft)


def test_a_calibration_item_without_its_record_is_flagged(
    legal_rag_draft: PostmortemInput,
) -> None:
    legal_rag_draft.action_items.append(item(ActionCategory.CALIBRATION, "Calibrate the judge"))

    [flag] = flagged(legal_rag_draft, "calibration_without_record")
    assert flag.where == "action_items.5"


def test_a_calibration_item_with_its_record_is_fine(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.action_items.append(
        item(ActionCategory.CALIBRATION, "Calibrate the judge", calibration=RECORD)
    )

    assert review(legal_rag_draft) == []


def test_we_will_calibrate_the_judge_in_prose_needs_a_record(
    legal_rag_draft: PostmortemInput,
) -> None:
    assert legal_rag_draft.resolution is not None
    legal_rag_draft.resolution.summary += " We will recalibrate the judge next sprint."

    [flag] = flagged(legal_rag_draft, "calibration_without_record")
    assert flag.where == "resolution.summary"


def test_calibration_drift_named_as_a_cause_is_not_a_promise(
    legal_rag_draft: PostmortemInput,
) -> None:
    assert legal_rag_draft.root_cause is not None
    legal_rag_draft.root_cause.why_not_caught_text = "The calibration of the relevance scorer held."

    assert "calibration_without_record" not in codes(legal_rag_draft)


def test_a_judge_axis_needs_a_calibration_record(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.root_cause is not None
    legal_rag_draft.root_cause.axes.append(
        AxisFinding(
            axis=Axis.JUDGE,
            what_changed="Judge prompt v7 scores fabricated citations as grounded",
            evidence_url="https://git.example.com/judges/-/commit/77",
        )
    )
    assert "calibration_without_record" in codes(legal_rag_draft)

    legal_rag_draft.action_items.append(
        item(ActionCategory.CALIBRATION, "Calibrate judge v7 on 24 labels", calibration=RECORD)
    )
    assert "calibration_without_record" not in codes(legal_rag_draft)


def test_a_record_on_a_handful_of_labels_is_flagged(legal_rag_draft: PostmortemInput) -> None:
    thin = RECORD.model_copy(update={"labels": 8})
    legal_rag_draft.action_items.append(
        item(ActionCategory.CALIBRATION, "Calibrate the judge", calibration=thin)
    )

    [flag] = flagged(legal_rag_draft, "calibration_too_few_labels")
    assert "8 labels" in flag.detail


def test_open_items_need_an_owner_and_a_due_date(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.action_items[2].owner_id = None
    legal_rag_draft.action_items[3].due = None

    assert [f.where for f in flagged(legal_rag_draft, "action_without_owner")] == ["action_items.3"]
    assert [f.where for f in flagged(legal_rag_draft, "action_without_due_date")] == [
        "action_items.4"
    ]


def test_done_or_dropped_items_are_not_chased_for_owner_or_date(
    legal_rag_draft: PostmortemInput,
) -> None:
    legal_rag_draft.action_items[0].owner_id = None  # done, with its artefact
    legal_rag_draft.action_items[2].status = ActionStatus.DROPPED
    legal_rag_draft.action_items[2].due = None

    assert review(legal_rag_draft) == []


def test_done_without_an_artefact_is_flagged(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.action_items[0].artefact_url = None

    [flag] = flagged(legal_rag_draft, "action_done_without_artefact")
    assert flag.where == "action_items.1"


# --- language ---------------------------------------------------------------------------------


def test_blame_phrases_are_flagged_wherever_they_are_written(
    legal_rag_draft: PostmortemInput,
) -> None:
    assert legal_rag_draft.detection is not None and legal_rag_draft.resolution is not None
    legal_rag_draft.detection.what_we_missed = "Human error: the re-index step was skipped."
    legal_rag_draft.resolution.summary = "Ops should have been more careful with the corpus job."

    flags = flagged(legal_rag_draft, "blame_language")
    assert [f.where for f in flags] == ["detection.what_we_missed", "resolution.summary"]
    assert "“Human error”" in flags[0].detail


def test_a_person_named_as_the_cause_is_blame(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.root_cause is not None
    finding = legal_rag_draft.root_cause.axes[0]
    finding.what_changed = "Dana forgot to rebuild the index after the corpus update."

    [flag] = flagged(legal_rag_draft, "blame_language")
    assert flag.where == "root_cause.what_changed.data"


def test_a_mention_as_the_cause_is_blame(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.action_items[0].title = "Stop @U0X1 from causing index drift"

    assert "blame_language" in codes(legal_rag_draft)


def test_people_and_conditions_without_blame_are_fine(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.resolution is not None
    legal_rag_draft.resolution.summary = (
        "Dana re-indexed the corpus. The blameless review found no re-index step in the "
        "corpus pipeline. The fault tolerance of the job was fine."
    )

    assert "blame_language" not in codes(legal_rag_draft)


def test_empty_adjectives_without_a_number_are_flagged(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.resolution is not None
    legal_rag_draft.resolution.summary = "A significant drop in citation accuracy. Massive impact."

    [flag] = flagged(legal_rag_draft, "empty_adjective")
    assert flag.where == "resolution.summary"
    assert "“significant”" in flag.detail and "“massive”" in flag.detail


def test_an_adjective_beside_its_number_or_in_a_name_is_fine(
    legal_rag_draft: PostmortemInput,
) -> None:
    assert legal_rag_draft.resolution is not None
    legal_rag_draft.resolution.summary = (
        "A dramatic drop in citation accuracy, 97% to 61%. The change was statistically "
        "significant. No major version bump was involved."
    )

    assert "empty_adjective" not in codes(legal_rag_draft)


# --- scope and detection ----------------------------------------------------------------------


def test_no_scope_rows_means_scope_assumed_global(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.slices = []

    [flag] = flagged(legal_rag_draft, "scope_assumed_global")
    assert flag.where == "scope"


def test_missing_detection_is_flagged(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.detection = None

    assert "no_detection" in codes(legal_rag_draft)
    # One flag for one gap: the unknown time-to-detect follows from it.
    assert "time_to_detect_unknown" not in codes(legal_rag_draft)


def test_time_to_detect_unknown_without_a_first_alarm(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.detection is not None
    legal_rag_draft.detection.first_alarm_at = None
    legal_rag_draft.incident.first_alarm_at = None

    [flag] = flagged(legal_rag_draft, "time_to_detect_unknown")
    assert flag.where == "detection.first_alarm_at"


def test_a_first_alarm_only_given_at_declaration_still_counts(
    legal_rag_draft: PostmortemInput,
) -> None:
    assert legal_rag_draft.detection is not None
    legal_rag_draft.detection.first_alarm_at = None  # incident.first_alarm_at is still set

    assert "time_to_detect_unknown" not in codes(legal_rag_draft)


def test_a_user_report_needs_what_we_missed(legal_rag_draft: PostmortemInput) -> None:
    assert legal_rag_draft.detection is not None
    legal_rag_draft.detection.what_we_missed = None

    [flag] = flagged(legal_rag_draft, "detection_gap_not_recorded")
    assert flag.where == "detection.what_we_missed"


def test_blocking_flags_come_first_and_are_the_ones_the_close_needs(
    medical_triage_draft: PostmortemInput,
) -> None:
    flags = review(medical_triage_draft)

    assert [f.code for f in blocking(flags)] == ["axis_without_evidence", "no_eval_set_action"]
    assert flags[:2] == blocking(flags)


# --- regression cases and the gate -----------------------------------------------------------

CASE_FLAGS = ("eval_set_done_without_case", "cases_never_gated", "gate_fails_case")


def test_the_well_recorded_case_raises_no_case_flag(legal_rag_draft: PostmortemInput) -> None:
    # Three cases, exported and pushed, all passing the last gate run.
    assert not [code for code in codes(legal_rag_draft) if code in CASE_FLAGS]


def test_an_eval_set_item_done_with_no_case_captured_is_flagged(
    legal_rag_draft: PostmortemInput,
) -> None:
    draft = legal_rag_draft.model_copy(update={"cases": []})
    [flag] = flagged(draft, "eval_set_done_without_case")
    assert flag.where == "action_items.2"
    assert "no regression case was captured" in flag.detail
    assert "/ai-incident case" in flag.detail


def test_an_open_eval_set_item_with_no_case_is_not_that_flag(
    legal_rag_draft: PostmortemInput,
) -> None:
    # Still open: the item is a promise, and the completion itself will ask for the cases.
    items = [
        i.model_copy(update={"status": ActionStatus.OPEN, "done_at": None})
        if i.category is ActionCategory.EVAL_SET
        else i
        for i in legal_rag_draft.action_items
    ]
    draft = legal_rag_draft.model_copy(update={"cases": [], "action_items": items})
    assert not flagged(draft, "eval_set_done_without_case")


def test_cases_no_gate_has_run_are_flagged(legal_rag_draft: PostmortemInput) -> None:
    never = [v.model_copy(update={"last": None}) for v in legal_rag_draft.cases]
    [flag] = flagged(legal_rag_draft.model_copy(update={"cases": never}), "cases_never_gated")
    assert flag.detail.startswith("None of the 3 regression cases has been run by a gate yet.")

    one = [legal_rag_draft.cases[0].model_copy(update={"last": None}), *legal_rag_draft.cases[1:]]
    [flag] = flagged(legal_rag_draft.model_copy(update={"cases": one}), "cases_never_gated")
    assert "1 of the 3 regression cases was never run by a gate (aiinc-12-5b0e2c91d4a7)" in (
        flag.detail
    )


def test_a_case_the_last_gate_run_fails_is_flagged(legal_rag_draft: PostmortemInput) -> None:
    first = legal_rag_draft.cases[0]
    assert first.last is not None
    failed = first.model_copy(update={"last": first.last.model_copy(update={"passed": False})})
    draft = legal_rag_draft.model_copy(update={"cases": [failed, *legal_rag_draft.cases[1:]]})
    [flag] = flagged(draft, "gate_fails_case")
    assert flag.where == "cases"
    assert "fails 1 of the 3 regression cases (aiinc-12-5b0e2c91d4a7" in flag.detail
    assert "legal-rag-regressions@9f1c2ab5d0e4" in flag.detail
    assert not flag.blocking
