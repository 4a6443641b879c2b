"""Runbooks as data: the shipped runbooks, custom directories, line-numbered problems, `extends`."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.core.incidents.model import Phase
from bot.core.runbooks.loader import (
    RunbookError,
    RunbookProblem,
    check_runbooks,
    format_problems,
    load_catalog,
)
from bot.core.runbooks.model import (
    ExtensionError,
    Runbook,
    RunbookExtension,
    UnknownPhaseError,
    UnknownRunbookEntryError,
    UnknownRunbookError,
    extend,
)
from runbooks import shipped_dir
from tests.core.assembly import shipped_runbooks

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("default", "rag-hallucination", "safety-refusal", "escalation-storm")

# Every check of "The AI Incident Runbook Template" (seeds/002), phase by phase, with the key
# phrases a rewording must keep so that it still says the same thing.
SEED_CHECKS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "triage",
        "Confirm the failure is real: run the specific query that was reported through the "
        "system and verify the output",
        ("failure is real", "specific query", "reported", "verify the output"),
    ),
    (
        "triage",
        "Establish scope: run a sample of recent queries and measure error rate vs. baseline",
        ("sample of recent queries", "error rate", "baseline"),
    ),
    (
        "triage",
        "Check for model version changes in the past 7 days",
        ("model version changes", "7 days"),
    ),
    (
        "triage",
        "Check for retrieval pipeline changes in the past 7 days",
        ("retrieval pipeline changes", "7 days"),
    ),
    (
        "triage",
        "Check for traffic distribution shifts in the past 48 hours",
        ("traffic distribution shifts", "48 hours"),
    ),
    (
        "triage",
        "Identify the affected output category and the risk severity",
        ("affected output category", "risk severity"),
    ),
    (
        "scope",
        "If systematic: consider disabling the affected capability (citation generation, "
        "medical advice, escalation) pending investigation",
        ("systematic", "disabling the affected capability", "citation generation", "pending"),
    ),
    (
        "scope",
        "Pull the full query log for the affected time window and characterize the failure "
        "rate by query type",
        ("full query log", "affected time window", "failure rate by query type"),
    ),
    (
        "scope",
        "Check the retrieval pipeline's relevance metrics for the affected query types",
        ("relevance metrics", "affected query types"),
    ),
    (
        "scope",
        "If model version change is suspected: initiate rollback evaluation",
        ("model version change is suspected", "rollback evaluation"),
    ),
    (
        "scope",
        "If retrieval issue is suspected: check embedding index freshness and chunk relevance "
        "scores",
        ("retrieval issue is suspected", "embedding index freshness", "chunk relevance scores"),
    ),
    (
        "mitigate",
        "Apply the fix: rollback model version, refresh retrieval index, retrain classifier, "
        "or adjust routing thresholds",
        ("apply the fix", "model version", "retrieval index", "retrain", "routing thresholds"),
    ),
    (
        "mitigate",
        "For high-risk systems: manually review affected queries from the failure window",
        ("manually review", "affected quer", "failure window"),
    ),
    (
        "mitigate",
        "Establish a monitoring window: watch quality metrics for 48 hours post-fix",
        ("monitoring window", "quality metrics", "48 hours"),
    ),
    ("post-incident", "Complete the four-question postmortem", ("four-question postmortem",)),
    ("post-incident", "Identify the detection gap", ("detection gap",)),
    (
        "post-incident",
        "Define the new monitoring metric or threshold that would have caught this",
        ("monitoring metric or threshold", "would have caught"),
    ),
    (
        "post-incident",
        "Schedule the monitoring work in the next sprint",
        ("monitoring work", "next sprint"),
    ),
    (
        "post-incident",
        "Update the evaluation test suite to include this failure pattern",
        ("evaluation test suite", "failure pattern"),
    ),
]


def phase_texts(runbook: Runbook, phase: str) -> list[str]:
    return [item.text.lower() for item in runbook.phase(phase).checklist]


def has_check(runbook: Runbook, phase: str, phrases: tuple[str, ...]) -> bool:
    return any(all(p.lower() in text for p in phrases) for text in phase_texts(runbook, phase))


def write(directory: Path, filename: str, text: str) -> Path:
    path = directory / filename
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, snippet: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing `snippet`."""
    hits = [n for n, line in enumerate(path.read_text().splitlines(), 1) if snippet in line]
    return hits[occurrence - 1]


def problems_in(path: Path) -> list[RunbookProblem]:
    return [p for p in check_runbooks(path.parent) if p.file == str(path)]


# --- The shipped runbooks ------------------------------------------------------------------


def test_the_shipped_runbooks_load_without_problems() -> None:
    assert check_runbooks(None) == []
    catalog = load_catalog(None)
    assert set(catalog.names()) == set(SHIPPED)
    assert catalog.names()[0] == "default"  # the declare modal offers it first
    assert catalog.options()[0] == ("default", catalog.get("default").title)


def test_default_walks_the_seed_phases_with_their_timeboxes() -> None:
    default = shipped_runbooks().get("default")
    assert default.phase_names == [phase.value for phase in Phase]
    # Triage 0-15 min, Scope 15-60 min, Mitigate 1-4 h, Post-incident 24-72 h.
    assert [p.timebox_minutes for p in default.phases] == [15, 45, 180, 48 * 60]


@pytest.mark.parametrize("runbook_name", SHIPPED)
@pytest.mark.parametrize(("phase", "seed_text", "phrases"), SEED_CHECKS)
def test_every_shipped_runbook_carries_every_seed_check(
    runbook_name: str, phase: str, seed_text: str, phrases: tuple[str, ...]
) -> None:
    runbook = shipped_runbooks().get(runbook_name)
    assert has_check(runbook, phase, phrases), (
        f"{runbook_name}/{phase} lacks the seed check: {seed_text}"
    )


def test_the_default_runbook_adds_the_domain_hints() -> None:
    default = shipped_runbooks().get("default")
    triage = default.phase("triage")
    hints = " ".join(item.hint or "" for item in triage.checklist).lower()
    assert "judge moved" in hints  # verify the dashboard before trusting it
    assert any("roles" in text for text in phase_texts(default, "triage"))
    assert any("regression started" in text for text in phase_texts(default, "triage"))


def test_conditional_seed_checks_do_not_block_advancing_but_the_rest_do() -> None:
    default = shipped_runbooks().get("default")
    scope_required = {item.id for item in default.required_items("scope")}
    assert "consider-disabling" not in scope_required  # "If systematic: consider ..."
    assert "model-rollback-evaluation" not in scope_required  # "If ... is suspected"
    assert "failure-rate-by-query-type" in scope_required
    assert {i.id for i in default.phase("post-incident").checklist if i.required} >= {
        "four-question-postmortem",
        "detection-gap",
        "new-monitoring-metric",
        "schedule-monitoring-work",
        "eval-regression-case",
    }


def test_scope_and_mitigate_offer_the_stabilization_levers() -> None:
    default = shipped_runbooks().get("default")
    assert default.phase("scope").levers
    mitigate_levers = " | ".join(lever.title.lower() for lever in default.phase("mitigate").levers)
    for lever in (
        "freeze routing to a known-good model",
        "disable a risky tool",
        "conservative prompt",
        "stricter retrieval",
        "rate limits and cost caps",
        "roll back a prompt",
        "roll back an index",
    ):
        assert lever in mitigate_levers
    assert all(lever.trade_off_prompt for lever in default.phase("mitigate").levers)


def test_mitigation_exit_criteria_are_measured_signals() -> None:
    default = shipped_runbooks().get("default")
    signals = " | ".join(c.signal.lower() for c in default.phase("mitigate").exit_criteria)
    for signal in ("golden-prompt pass rate", "escalations", "cost", "latency", "48 h"):
        assert signal in signals
    assert not default.phase("triage").exit_criteria


@pytest.mark.parametrize(
    ("runbook_name", "phrases"),
    [
        (
            "rag-hallucination",
            ("corpus", "embedding index", "chunk relevance scores", "citation accuracy"),
        ),
        (
            "safety-refusal",
            ("refusal rate by risk category", "manually review", "canary"),
        ),
        (
            "escalation-storm",
            ("escalation rate by query type", "traffic sources", "confidence", "retrain"),
        ),
    ],
)
def test_specialised_runbooks_add_their_case_checks(
    runbook_name: str, phrases: tuple[str, ...]
) -> None:
    runbook = shipped_runbooks().get(runbook_name)
    assert runbook.extends == "default"
    everything = " ".join(
        text for phase in runbook.phase_names for text in phase_texts(runbook, phase)
    )
    for phrase in phrases:
        assert phrase in everything


def test_specialised_runbooks_add_their_own_levers() -> None:
    catalog = shipped_runbooks()
    lever_ids = {
        name: {lever.id for lever in catalog.get(name).phase("mitigate").levers}
        for name in ("rag-hallucination", "safety-refusal", "escalation-storm")
    }
    assert "disable-citations" in lever_ids["rag-hallucination"]
    assert "rollback-model-version" in lever_ids["safety-refusal"]
    assert "lower-confidence-threshold" in lever_ids["escalation-storm"]


# --- Walking a runbook ---------------------------------------------------------------------


def test_phase_navigation_follows_the_file_order() -> None:
    default = shipped_runbooks().get("default")
    assert default.first_phase.name == "triage"
    walked = [default.first_phase.name]
    while (following := default.next_phase(walked[-1])) is not None:
        walked.append(following.name)
    assert walked == ["triage", "scope", "mitigate", "post-incident"]


def test_asking_for_what_a_runbook_lacks_names_what_it_has() -> None:
    catalog = shipped_runbooks()
    default = catalog.get("default")
    with pytest.raises(UnknownPhaseError, match="triage, scope, mitigate, post-incident"):
        default.phase("mitgate")
    with pytest.raises(UnknownRunbookEntryError, match="no-such-item"):
        default.phase("triage").item("no-such-item")
    with pytest.raises(UnknownRunbookError, match="rag-hallucination"):
        catalog.get("rag")
    assert default.phase("triage").item("confirm-real").required


def test_the_models_refuse_duplicates_when_built_in_code_too() -> None:
    phase = {"name": "one", "title": "One", "timebox_minutes": 5}
    with pytest.raises(ValidationError, match="defined twice"):
        Runbook.model_validate({"name": "r", "title": "R", "phases": [phase, phase]})
    item = {"id": "same", "text": "Same"}
    lever = {"id": "same", "title": "T", "description": "d", "trade_off_prompt": "t?"}
    with pytest.raises(ValidationError, match="used twice"):
        Runbook.model_validate(
            {
                "name": "r",
                "title": "R",
                "phases": [{**phase, "checklist": [item], "levers": [lever]}],
            }
        )


# --- Custom directories --------------------------------------------------------------------


def test_a_custom_runbook_is_offered_next_to_the_shipped_ones(tmp_path: Path) -> None:
    write(
        tmp_path,
        "payments.yaml",
        """
        name: payments
        title: Payments assistant
        phases:
          - name: look
            title: Look
            timebox_minutes: 10
            checklist:
              - id: refunds
                text: Check the refund tool
        """,
    )
    catalog = load_catalog(tmp_path)
    assert ("payments", "Payments assistant") in catalog.options()
    assert catalog.names()[0] == "default"
    assert catalog.get("payments").first_phase.name == "look"


def test_a_custom_runbook_with_a_shipped_name_overrides_it(tmp_path: Path) -> None:
    write(
        tmp_path,
        "ours.yaml",
        """
        name: default
        title: Our own default
        phases:
          - name: triage
            title: Triage
            timebox_minutes: 5
          - name: fix
            title: Fix
            timebox_minutes: 60
        """,
    )
    catalog = load_catalog(tmp_path)
    assert catalog.get("default").title == "Our own default"
    assert catalog.get("default").phase_names == ["triage", "fix"]
    assert catalog.names().count("default") == 1
    # The shipped runbooks keep extending the shipped default, whatever a custom dir holds.
    assert catalog.get("rag-hallucination").phase_names == [p.value for p in Phase]


def test_a_custom_runbook_extending_its_own_name_extends_the_shipped_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        "default.yaml",
        """
        name: default
        title: AI incident (ours)
        extends: default
        phases:
          - name: triage
            checklist:
              - id: page-feature-owner
                text: Page the owner of the affected AI feature
        """,
    )
    default = load_catalog(tmp_path).get("default")
    assert default.title == "AI incident (ours)"
    assert default.phase("triage").checklist[-1].id == "page-feature-owner"
    for phase, _seed_text, phrases in SEED_CHECKS:
        assert has_check(default, phase, phrases)


# --- Problems, with file, line and field ---------------------------------------------------

VALID_HEAD = """
name: broken
title: Broken on purpose
phases:
"""


@pytest.mark.parametrize(
    ("body", "snippet", "occurrence", "field", "says"),
    [
        pytest.param(
            """
              - name: triage
                title: Triage
                timebox_minutes: fifteen
            """,
            "timebox_minutes: fifteen",
            1,
            "phases.0.timebox_minutes",
            "valid integer",
            id="wrong-type",
        ),
        pytest.param(
            """
              - name: triage
                title: Triage
                timebox_minutes: 15
                checklist:
                  - id: look
                    text: Look
                    hnt: a typo of hint
            """,
            "hnt:",
            1,
            "phases.0.checklist.0.hnt",
            "did you mean 'hint'",
            id="unknown-key",
        ),
        pytest.param(
            """
              - name: triage
                title: Triage
                timebox_minutes: 15
              - name: scope
                title: Scope
                timebox_minutes: 45
              - name: triage
                title: Triage again
                timebox_minutes: 15
            """,
            "- name: triage",
            2,
            "phases.2.name",
            "defined twice",
            id="duplicate-phase",
        ),
        pytest.param(
            """
              - name: triage
                title: Triage
                timebox_minutes: 15
              - name: scope
                title: Scope
                checklist: []
            """,
            "- name: scope",
            1,
            "phases.1.timebox_minutes",
            "missing",
            id="missing-timebox",
        ),
        pytest.param(
            """
              - name: triage
                title: Triage
                timebox_minutes: 15
                checklist:
                  - id: look
                    text: Look
                  - id: look
                    text: Look again
            """,
            "- id: look",
            2,
            "phases.0.checklist.1.id",
            "used twice",
            id="duplicate-id",
        ),
        pytest.param(
            """
              - name: Triage Phase
                title: Triage
                timebox_minutes: 15
            """,
            "- name: Triage Phase",
            1,
            "phases.0.name",
            "slug",
            id="not-a-slug",
        ),
        pytest.param(
            """
              - name: triage
                title: Triage
                timebox_minutes: 15
                goal: first
                goal: second
            """,
            "goal: second",
            1,
            "phases.0.goal",
            "appears twice",
            id="duplicate-key",
        ),
    ],
)
def test_a_broken_runbook_is_reported_at_its_file_line_and_field(
    tmp_path: Path, body: str, snippet: str, occurrence: int, field: str, says: str
) -> None:
    path = write(tmp_path, "broken.yaml", VALID_HEAD + textwrap.dedent(body).lstrip("\n"))
    problems = problems_in(path)
    expected_line = line_of(path, snippet, occurrence)
    assert [(p.line, p.field) for p in problems] == [(expected_line, field)]
    assert says in problems[0].message
    assert str(problems[0]).startswith(f"{path}:{expected_line}: {field}: ")


def test_bad_yaml_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.yaml",
        """
        name: bad
        title: Bad: colon
        phases: []
        """,
    )
    [problem] = problems_in(path)
    assert (problem.line, problem.field) == (2, "(yaml)")
    assert "mapping values are not allowed" in problem.message


def test_a_file_that_is_not_a_mapping_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", "- name: x\n")
    [problem] = problems_in(path)
    assert problem.line == 1
    assert "mapping" in problem.message


def test_an_unknown_extends_target_is_reported_with_the_known_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ext.yaml",
        """
        name: ext
        title: Extends a typo
        extends: defualt
        """,
    )
    [problem] = problems_in(path)
    assert (problem.line, problem.field) == (3, "extends")
    assert "'defualt'" in problem.message
    assert "default" in problem.message.split("known:")[1]


def test_an_extends_cycle_is_reported_once(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: a\ntitle: A\nextends: b\n")
    write(tmp_path, "b.yaml", "name: b\ntitle: B\nextends: a\n")
    problems = check_runbooks(tmp_path)
    assert len(problems) == 1
    assert problems[0].field == "extends"
    assert "cycle" in problems[0].message
    assert "a -> b -> a" in problems[0].message or "b -> a -> b" in problems[0].message


def test_two_files_with_one_runbook_name_are_reported(tmp_path: Path) -> None:
    valid = "name: twin\ntitle: Twin\nphases:\n  - {name: one, title: One, timebox_minutes: 5}\n"
    write(tmp_path, "a.yaml", valid)
    second = write(tmp_path, "b.yaml", valid)
    [problem] = check_runbooks(tmp_path)
    assert (problem.file, problem.line, problem.field) == (str(second), 1, "name")
    assert "a.yaml" in problem.message


def test_an_extension_naming_a_phase_its_base_lacks_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ext.yaml",
        """
        name: ext
        title: Ext
        extends: default
        phases:
          - name: mitgate
            checklist:
              - id: extra
                text: Extra
        """,
    )
    [problem] = problems_in(path)
    assert (problem.line, problem.field) == (5, "phases.0.name")
    assert "no phase 'mitgate'" in problem.message


def test_a_broken_base_is_reported_once_not_again_for_each_extension(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "name: base\ntitle: Base\nphases:\n  - name: one\n")
    write(tmp_path, "ext.yaml", "name: ext\ntitle: Ext\nextends: base\n")
    problems = check_runbooks(tmp_path)
    assert {p.file for p in problems} == {str(tmp_path / "base.yaml")}


def test_load_catalog_refuses_broken_runbooks_with_every_problem(tmp_path: Path) -> None:
    first = write(tmp_path, "a.yaml", "name: a\ntitle: A\nphases:\n  - name: one\n    title: 1\n")
    second = write(tmp_path, "b.yaml", "name: b\ntitle: B\nextends: nowhere\n")
    with pytest.raises(RunbookError) as raised:
        load_catalog(tmp_path)
    lines = str(raised.value).splitlines()
    assert len(lines) == len(raised.value.problems) == 3
    assert f"{first}:4: phases.0.timebox_minutes: required key is missing" in lines
    assert f"{first}:5: phases.0.title: Input should be a valid string, not int 1" in lines
    assert any(line.startswith(f"{second}:3: extends: ") for line in lines)


def test_format_problems_puts_one_problem_per_line() -> None:
    problems = [
        RunbookProblem("a.yaml", 3, "phases.0.title", "required key is missing"),
        RunbookProblem("b.yaml", 1, "(yaml)", "bad"),
    ]
    assert format_problems(problems) == (
        "a.yaml:3: phases.0.title: required key is missing\nb.yaml:1: (yaml): bad"
    )
    assert format_problems([]) == ""


# --- The `extends` merge rule --------------------------------------------------------------

BASE = Runbook.model_validate(
    {
        "name": "base",
        "title": "Base",
        "description": "The base",
        "phases": [
            {
                "name": "one",
                "title": "One",
                "timebox_minutes": 10,
                "goal": "Base goal",
                "checklist": [
                    {"id": "a", "text": "A"},
                    {"id": "b", "text": "B"},
                ],
                "levers": [{"id": "l", "title": "L", "description": "d", "trade_off_prompt": "t?"}],
            },
            {"name": "two", "title": "Two", "timebox_minutes": 20},
        ],
    }
)


def test_an_extension_appends_entries_and_replaces_same_ids_in_place() -> None:
    extension = RunbookExtension.model_validate(
        {
            "name": "ext",
            "title": "Ext",
            "extends": "base",
            "phases": [
                {
                    "name": "one",
                    "checklist": [
                        {"id": "c", "text": "C"},
                        {"id": "a", "text": "A, reworded", "required": False},
                        {"id": "d", "text": "D"},
                    ],
                    "exit_criteria": [{"id": "x", "signal": "X", "description": "x"}],
                }
            ],
        }
    )
    merged = extend(BASE, extension)
    one = merged.phase("one")
    assert [(i.id, i.text) for i in one.checklist] == [
        ("a", "A, reworded"),
        ("b", "B"),
        ("c", "C"),
        ("d", "D"),
    ]
    assert not one.item("a").required
    assert [lever.id for lever in one.levers] == ["l"]
    assert [c.id for c in one.exit_criteria] == ["x"]
    # What the extension does not mention is the base's.
    assert (one.title, one.timebox_minutes, one.goal) == ("One", 10, "Base goal")
    assert merged.phase("two") == BASE.phase("two")
    assert (merged.name, merged.title, merged.extends) == ("ext", "Ext", "base")


def test_an_extension_can_retitle_and_retime_a_phase_but_not_reorder_or_add_phases() -> None:
    extension = RunbookExtension.model_validate(
        {
            "name": "ext",
            "title": "Ext",
            "extends": "base",
            "phases": [
                {"name": "two", "title": "Second", "timebox_minutes": 5},
                {"name": "one", "goal": "New goal"},
            ],
        }
    )
    merged = extend(BASE, extension)
    assert merged.phase_names == ["one", "two"]
    assert (merged.phase("two").title, merged.phase("two").timebox_minutes) == ("Second", 5)
    assert merged.phase("one").goal == "New goal"

    adding = RunbookExtension.model_validate(
        {"name": "ext", "title": "Ext", "extends": "base", "phases": [{"name": "three"}]}
    )
    with pytest.raises(ExtensionError) as raised:
        extend(BASE, adding)
    assert [issue.loc for issue in raised.value.issues] == [("phases", 0, "name")]


def test_an_extension_cannot_reuse_an_id_from_another_list_of_the_phase() -> None:
    extension = RunbookExtension.model_validate(
        {
            "name": "ext",
            "title": "Ext",
            "extends": "base",
            "phases": [{"name": "one", "checklist": [{"id": "l", "text": "Clashes with lever"}]}],
        }
    )
    with pytest.raises(ExtensionError) as raised:
        extend(BASE, extension)
    assert [issue.loc for issue in raised.value.issues] == [("phases", 0, "checklist", 0, "id")]


def test_the_shipped_specialisations_use_the_merge_rule() -> None:
    catalog = shipped_runbooks()
    default, safety = catalog.get("default"), catalog.get("safety-refusal")
    # safety-refusal makes the seed's manual review required, in the same place.
    default_ids = [i.id for i in default.phase("mitigate").checklist]
    safety_ids = [i.id for i in safety.phase("mitigate").checklist]
    assert safety_ids[: len(default_ids)] == default_ids
    assert not default.phase("mitigate").item("manual-review").required
    assert safety.phase("mitigate").item("manual-review").required
    storm = catalog.get("escalation-storm").phase("mitigate")
    assert [c.id for c in storm.exit_criteria][:6] == [
        c.id for c in default.phase("mitigate").exit_criteria
    ]
    assert "query type" in storm.exit_criterion("escalations-baseline").signal


# --- Packaging -----------------------------------------------------------------------------


def test_the_shipped_runbooks_are_found_from_any_working_directory(tmp_path: Path) -> None:
    assert (shipped_dir() / "default.yaml").is_file()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    script = "from bot.core.runbooks.loader import load_catalog; print(load_catalog().names())"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "'default'" in result.stdout
