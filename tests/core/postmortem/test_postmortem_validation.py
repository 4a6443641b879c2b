"""Invalid input is answered field by field, all at once, and produces no model."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.forms import FormInvalid
from bot.core.postmortem.analysis import ActionCategory, ActionItem, ActionStatus
from bot.core.postmortem.forms import (
    ActionItemInput,
    CompletionInput,
    DetectionInput,
    ResolutionInput,
    RootCauseInput,
    SliceInput,
)

NOW = datetime(2024, 5, 14, 12, 0, tzinfo=UTC)


# --- detection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "grafana/d/refusals",
        "ftp://files.example.com/x",
        "https://",
        "https://grafana.example.com/d/ref usals",
        "javascript:alert(1)",
    ],
)
def test_a_bad_signal_link_is_refused(url: str) -> None:
    errors = DetectionInput.errors(dict(how="dashboard_alert", signal_url=url))

    assert set(errors) == {"signal_url"}
    assert "https://" in errors["signal_url"]


def test_a_good_detection_becomes_the_model() -> None:
    parsed = DetectionInput.check(
        dict(
            how="dashboard_alert",
            signal=" refusal-rate drift ",
            signal_url="https://grafana.example.com/d/refusals?from=now-7d",
            regression_started_at=datetime(2024, 5, 10, 8, tzinfo=UTC),
            first_alarm_at=datetime(2024, 5, 13, 9, 40, tzinfo=UTC),
        ),
        now=NOW,
    )

    detection = parsed.detection()
    assert detection.signal == "refusal-rate drift"
    assert detection.time_to_detect is not None


def test_detection_needs_how_and_a_first_alarm_after_the_start() -> None:
    errors = DetectionInput.errors(
        dict(
            regression_started_at=datetime(2024, 5, 13, tzinfo=UTC),
            first_alarm_at=datetime(2024, 5, 12, tzinfo=UTC),
        ),
        now=NOW,
    )

    assert set(errors) == {"how", "first_alarm_at"}
    assert "before the regression started" in errors["first_alarm_at"]


def test_detection_times_cannot_be_in_the_future() -> None:
    errors = DetectionInput.errors(
        dict(how="user_report", first_alarm_at=datetime(2024, 5, 15, tzinfo=UTC)),
        now=NOW,
    )

    assert errors == {"first_alarm_at": "The first alarm can't be in the future."}


# --- scope ------------------------------------------------------------------------------------


def test_baseline_and_incident_value_must_be_numbers() -> None:
    errors = SliceInput.errors(
        dict(slice="chest pain", metric="refusal rate", baseline="high", incident_value="")
    )

    assert set(errors) == {"baseline", "incident_value"}
    assert "must be a number" in errors["baseline"]
    assert "required" in errors["incident_value"]


def test_a_slice_row_accepts_percent_signs_and_thousands_separators() -> None:
    parsed = SliceInput.check(
        dict(
            slice="chest pain",
            metric="refusal rate (%)",
            baseline="100%",
            incident_value="4.8 %",
            users_affected="1,200",
        ),
    ).row(slice_id=3)

    assert (parsed.id, parsed.baseline, parsed.incident_value) == (3, 100, 4.8)
    assert parsed.users_affected == 1200


def test_users_affected_must_be_a_whole_number() -> None:
    errors = SliceInput.errors(
        dict(slice="s", metric="m", baseline="1", incident_value="2", users_affected="~850")
    )

    assert set(errors) == {"users_affected"}


# --- root cause -------------------------------------------------------------------------------


def _evidence(*axes: str) -> dict[str, str | None]:
    return {axis: f"https://git.example.com/{axis}/commit/1" for axis in axes}


def _changed(*axes: str) -> dict[str, str | None]:
    return {axis: f"{axis} moved" for axis in axes}


def test_the_first_axis_must_be_one_of_the_chosen_axes() -> None:
    errors = RootCauseInput.errors(
        dict(
            axes=["model", "data"],
            first_axis="prompt",
            what_changed=_changed("model", "data"),
            evidence_url=_evidence("model", "data"),
            why_not_caught="eval_coverage_gap",
        )
    )

    assert set(errors) == {"first_axis"}
    assert "Prompt is not among the chosen axes (Model, Data)" in errors["first_axis"]


def test_with_several_axes_the_first_must_be_chosen() -> None:
    errors = RootCauseInput.errors(
        dict(
            axes=["model", "judge"],
            what_changed=_changed("model", "judge"),
            evidence_url=_evidence("model", "judge"),
            why_not_caught="calibration_drift",
        )
    )

    assert set(errors) == {"first_axis"}


def test_each_chosen_axis_needs_what_changed_and_a_valid_evidence_link() -> None:
    errors = RootCauseInput.errors(
        dict(
            axes=["prompt", "environment"],
            first_axis="prompt",
            what_changed={"prompt": "system message lost the citation rule", "environment": ""},
            evidence_url={"prompt": "commit 4f2a", "environment": None},
            why_not_caught="threshold_band",
        )
    )

    assert set(errors) == {
        "evidence_url.prompt",
        "what_changed.environment",
        "evidence_url.environment",
    }
    assert "required" in errors["evidence_url.environment"]


def test_no_axis_at_all_is_refused() -> None:
    errors = RootCauseInput.errors(dict(why_not_caught="eval_coverage_gap"))

    assert set(errors) == {"axes"}


def test_other_needs_its_explanation_and_unknown_values_are_named() -> None:
    errors = RootCauseInput.errors(
        dict(
            axes=["data"],
            what_changed=_changed("data"),
            evidence_url=_evidence("data"),
            why_not_caught="other",
            contributing_factors=["bad luck"],
            layer="firmware",
        )
    )

    assert set(errors) == {"why_not_caught_text", "contributing_factors", "layer"}
    assert "'bad luck' is not one of" in errors["contributing_factors"]


def test_a_single_axis_is_the_one_that_moved_first() -> None:
    parsed = RootCauseInput.check(
        dict(
            axes=["data"],
            what_changed=_changed("data"),
            evidence_url=_evidence("data"),
            why_not_caught="eval_coverage_gap",
            contributing_factors=["observability_gap", "data_fragility"],
        )
    )

    root_cause = parsed.root_cause()
    assert root_cause.first_axis == "data"
    assert root_cause.axes[0].evidence_url == "https://git.example.com/data/commit/1"


# --- action items -----------------------------------------------------------------------------


def _calibration_form(**overrides: str | None) -> dict[str, str | None]:
    values: dict[str, str | None] = {
        "category": "calibration",
        "title": "Calibrate the refusal judge",
        "labels": "24",
        "kappa": "0.81",
        "tpr": "0.92",
        "tnr": "0.88",
        "judge_version": "grader-v4",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize("kappa", ["1.2", "-1.5"])
def test_kappa_outside_minus_one_to_one_is_refused(kappa: str) -> None:
    errors = ActionItemInput.errors(_calibration_form(kappa=kappa))

    assert errors == {"kappa": "Cohen's kappa lies between -1 and 1."}


@pytest.mark.parametrize(("field", "value"), [("tpr", "1.5"), ("tnr", "-0.1")])
def test_tpr_and_tnr_outside_zero_to_one_are_refused(field: str, value: str) -> None:
    errors = ActionItemInput.errors(_calibration_form(**{field: value}))

    assert set(errors) == {field}
    assert "between 0 and 1" in errors[field]


def test_a_rate_typed_as_a_percentage_gets_a_hint() -> None:
    errors = ActionItemInput.errors(_calibration_form(tpr="92"))

    assert "0.92 for 92%" in errors["tpr"]


def test_labels_must_be_at_least_one() -> None:
    errors = ActionItemInput.errors(_calibration_form(labels="0"))

    assert set(errors) == {"labels"}


def test_a_due_date_in_the_past_is_refused() -> None:
    errors = ActionItemInput.errors(
        dict(category="eval_set", title="Add the case", due="2024-05-13"),
        now=NOW,
    )

    assert errors == {"due": "The due date 2024-05-13 is in the past; pick today or later."}


def test_an_edit_may_keep_a_due_date_that_has_since_passed() -> None:
    existing = ActionItem(
        id=5,
        category=ActionCategory.EVAL_SET,
        title="Add the case",
        due=date(2024, 5, 1),
        created_at=datetime(2024, 4, 28, tzinfo=UTC),
    )

    form = ActionItemInput.check(
        dict(category="eval_set", title="Add the case (all three wordings)", due="2024-05-01"),
        now=NOW,
        original_due=existing.due,
    )
    edited = form.edited(existing)

    assert (edited.id, edited.title) == (5, "Add the case (all three wordings)")
    assert edited.created_at == existing.created_at


def test_completing_an_item_stamps_the_first_completion_time() -> None:
    existing = ActionItem(
        id=5,
        category=ActionCategory.EVAL_SET,
        title="Add the case",
        created_at=datetime(2024, 4, 28, tzinfo=UTC),
    )
    done = CompletionInput.check(
        dict(artefact_url="https://git.example.com/evals/-/commit/abc"), category="eval_set"
    )

    first = done.done(existing, now=NOW)
    again = done.done(first, now=datetime(2024, 5, 20, tzinfo=UTC))

    assert first.status is ActionStatus.DONE
    assert (first.done_at, again.done_at) == (NOW, NOW)


def test_done_needs_an_artefact() -> None:
    errors = ActionItemInput.errors(dict(category="code", title="Revert the prompt"), status="done")

    assert set(errors) == {"artefact_url"}
    assert "done only with an artefact" in errors["artefact_url"]


def test_a_calibration_item_is_done_only_with_its_record() -> None:
    errors = ActionItemInput.errors(
        dict(
            category="calibration",
            title="Calibrate the refusal judge",
            artefact_url="https://sheets.example.com/calibration/7",
        ),
        status="done",
    )

    assert set(errors) == {"labels", "kappa", "tpr", "tnr", "judge_version"}
    assert "done only with its record" in errors["judge_version"]


def test_a_half_filled_calibration_record_is_refused_on_an_open_item() -> None:
    errors = ActionItemInput.errors(_calibration_form(tpr=None, tnr="", judge_version=None))

    assert set(errors) == {"tpr", "tnr", "judge_version"}


def test_a_complete_calibration_item_keeps_its_record() -> None:
    parsed = ActionItemInput.check(_calibration_form(owner_id="U_SOFIA", due="2024-05-31"), now=NOW)

    item = parsed.new_item(now=NOW)
    assert item.status is ActionStatus.OPEN
    assert item.calibration is not None
    assert item.calibration.kappa == 0.81
    assert item.created_at == NOW


def test_every_problem_of_an_action_form_is_reported_at_once() -> None:
    errors = ActionItemInput.errors(
        dict(category="vibes", title=" ", due="31/05/2024", artefact_url="pr 88"),
        now=NOW,
    )

    assert set(errors) == {"category", "title", "due", "artefact_url"}


# --- resolution -------------------------------------------------------------------------------


def test_resolution_needs_a_summary_and_a_plausible_mitigation_time() -> None:
    with pytest.raises(FormInvalid) as refused:
        ResolutionInput.check(
            dict(summary="", mitigated_at=datetime(2024, 5, 9, tzinfo=UTC)),
            now=NOW,
            regression_started_at=datetime(2024, 5, 10, tzinfo=UTC),
        )

    assert set(refused.value.errors) == {"summary", "mitigated_at"}


def test_a_resolution_drops_blank_exit_criteria() -> None:
    parsed = ResolutionInput.check(
        dict(summary="Rolled back.", exit_criteria_met=["Refusals at 100% for 48 h", " "]),
        now=NOW,
    )

    assert parsed.resolution().exit_criteria_met == ["Refusals at 100% for 48 h"]


LATE = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)


def test_completion_needs_an_artefact_and_for_a_calibration_its_record() -> None:
    assert "artefact_url" in CompletionInput.errors({}, category="code")
    assert CompletionInput.errors({"artefact_url": "https://x.io/pr/1"}, category="code") == {}
    missing = CompletionInput.errors({"artefact_url": "https://x.io/r"}, category="calibration")
    assert set(missing) == {"labels", "kappa", "tpr", "tnr", "judge_version"}
    # A record already on the item is enough.
    assert (
        CompletionInput.errors(
            {"artefact_url": "https://x.io/r"}, category="calibration", has_record=True
        )
        == {}
    )


def test_an_edit_may_keep_a_due_date_that_has_passed_but_not_set_one() -> None:
    form = {"category": "code", "title": "Pin the model", "due": "2025-05-01"}
    assert "due" in ActionItemInput.errors(form, now=LATE)
    assert ActionItemInput.errors(form, now=LATE, original_due=date(2025, 5, 1)) == {}
    # "Today" is the earliest date anywhere, so a responder west of UTC is never told their
    # today is in the past.
    early = datetime(2025, 6, 3, 2, 0, tzinfo=UTC)  # still June 2 in California
    assert ActionItemInput.errors(form | {"due": "2025-06-02"}, now=early) == {}
