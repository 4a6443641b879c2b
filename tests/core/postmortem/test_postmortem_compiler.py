"""The compiled postmortem: computed times, sections, JSON and Markdown in agreement."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.incidents.model import Category, Incident, Severity
from bot.core.postmortem.analysis import SliceImpact
from bot.core.postmortem.compiler import PostmortemInput, compile_postmortem
from bot.core.postmortem.diagram import MAX_ENTRIES
from bot.core.timeline import TimelineEvent, TimelineKind
from tests.core.postmortem.postmortem_cases import legal_rag, medical_triage


@pytest.fixture
def legal_rag_draft() -> PostmortemInput:
    return legal_rag()


@pytest.fixture
def medical_triage_draft() -> PostmortemInput:
    return medical_triage()


NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

SCAFFOLD_HEADINGS = [
    "## Detection",
    "## Scope",
    "## Root cause",
    "## Remediation",
    "## Action items",
    "## The four questions",
    "## Timeline",
    "## Review flags",
]


def bare_draft() -> PostmortemInput:
    """An incident just declared: nothing recorded beyond the declaration."""
    return PostmortemInput(
        incident=Incident(
            number=3,
            title="Judge scores jumped overnight",
            severity=Severity.S3,
            category=Category.SILENT_DRIFT,
            declared_at=datetime(2024, 5, 20, 8, 0, tzinfo=UTC),
        )
    )


def test_times_are_computed_from_what_was_recorded(legal_rag_draft: PostmortemInput) -> None:
    times = compile_postmortem(legal_rag_draft, now=NOW).data["times"]

    assert times["time_to_detect"]["seconds"] == int(
        timedelta(days=42, hours=7, minutes=20).total_seconds()
    )
    # Time-to-mitigate starts at the first credible alarm when there is one, and says so.
    assert times["time_to_mitigate"] == {
        "seconds": int(timedelta(days=1, hours=19, minutes=10).total_seconds()),
        "from": "first_alarm",
        "to": "mitigated",
    }
    assert times["detection"] == {"at": "2024-03-04T16:20:00Z", "basis": "first_alarm"}
    assert times["resolution"] == {"at": "2024-03-08T15:00:00Z"}


def test_the_header_reads_the_computed_times(legal_rag_draft: PostmortemInput) -> None:
    markdown = compile_postmortem(legal_rag_draft, now=NOW).markdown

    assert "- **Time-to-detect:** 42 d 7 h (regression start → first credible alarm)" in markdown
    assert "- **Time-to-mitigate:** 1 d 19 h (from the first credible alarm)" in markdown
    assert "- **Detection time:** 2024-03-04 16:20 UTC\n" in markdown
    assert "- **Resolution time:** 2024-03-08 15:00 UTC" in markdown
    assert "- **Owner:** @dana" in markdown


def test_without_a_first_alarm_mitigation_is_timed_from_the_declaration(
    legal_rag_draft: PostmortemInput,
) -> None:
    assert legal_rag_draft.detection is not None
    legal_rag_draft.detection.first_alarm_at = None
    legal_rag_draft.incident.first_alarm_at = None

    postmortem = compile_postmortem(legal_rag_draft, now=NOW)

    assert postmortem.data["times"]["time_to_mitigate"]["from"] == "declared"
    assert "- **Time-to-mitigate:** 1 d 18 h (from the declaration)" in postmortem.markdown
    assert "- **Time-to-detect:** _not recorded_\n" in postmortem.markdown
    assert "(declaration; first credible alarm not recorded)" in postmortem.markdown


def test_a_bare_draft_has_every_section_and_never_says_none() -> None:
    postmortem = compile_postmortem(bare_draft(), now=NOW)
    markdown = postmortem.markdown

    for heading in SCAFFOLD_HEADINGS:
        assert heading in markdown
    assert "None" not in markdown.replace("None open.", "")
    assert "- **Time-to-detect:** _not recorded_" in markdown
    assert "- Which signal: _not recorded_" in markdown
    assert "- **Axis:** _not recorded_" in markdown
    assert "No slice rows were recorded" in markdown


def test_every_section_of_the_scaffold_carries_the_recorded_values(
    legal_rag_draft: PostmortemInput,
) -> None:
    markdown = compile_postmortem(legal_rag_draft, now=NOW).markdown

    positions = [markdown.index(heading) for heading in SCAFFOLD_HEADINGS]
    assert positions == sorted(positions)
    assert "- How: User report" in markdown
    assert (
        "| Queries on case law before 2024 — citation accuracy (%) | 97 | 95 "
        "| -2 (-2.1%), worse | 38 |" in markdown
    )
    assert "- **Axis:** Data (moved first)" in markdown
    assert "- **Why we did not catch it:** Eval coverage gap — " in markdown
    assert (
        "| 3 | Alarm when the rolling mean retrieval relevance drops below 0.72 "
        "_(gates and thresholds)_ | @lee.chen | 2024-03-22 | open |" in markdown
    )


def test_json_and_markdown_say_the_same(medical_triage_draft: PostmortemInput) -> None:
    postmortem = compile_postmortem(medical_triage_draft, now=NOW)
    data = json.loads(json.dumps(postmortem.data))  # plain JSON, nothing Python-only

    assert data["flags"] == [flag.model_dump() for flag in postmortem.flags]
    for item in data["action_items"]:
        assert item["title"] in postmortem.markdown
    for flag in data["flags"]:
        assert flag["detail"] in postmortem.markdown
    assert data["action_items"][2]["owner"] is None
    # The axis that moved first leads, in both forms.
    assert [(a["axis"], a["first"]) for a in data["root_cause"]["axes"]] == [
        ("model", True),
        ("judge", False),
    ]
    assert "- **Axis:** Model (moved first), Judge\n" in postmortem.markdown


def test_a_close_anyway_is_printed(medical_triage_draft: PostmortemInput) -> None:
    markdown = compile_postmortem(medical_triage_draft, now=NOW).markdown

    section = markdown[markdown.index("## Closed anyway") :]
    assert "@amir closed the incident at 2024-05-16 17:00 UTC" in section
    assert "- No eval-set action item (`no_eval_set_action`)" in section
    assert "Reason given: Eval-set work is tracked in TRIAGE-412" in section


def test_no_close_anyway_section_without_an_override(legal_rag_draft: PostmortemInput) -> None:
    assert "Closed anyway" not in compile_postmortem(legal_rag_draft, now=NOW).markdown


def test_a_pipe_in_a_value_does_not_break_its_table_row(legal_rag_draft: PostmortemInput) -> None:
    legal_rag_draft.slices = [
        SliceImpact(slice="EU | German", metric="accuracy", baseline=0.9, incident_value=0.7)
    ]

    markdown = compile_postmortem(legal_rag_draft, now=NOW).markdown

    [row] = [line for line in markdown.splitlines() if line.startswith("| EU")]
    assert "EU \\| German" in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 6


def test_the_timeline_marks_control_plane_changes_with_their_axis(
    medical_triage_draft: PostmortemInput,
) -> None:
    markdown = compile_postmortem(medical_triage_draft, now=NOW).markdown

    assert (
        "| 2024-05-06 08:00 | model_change | **Model** | Base model updated: "
        "triage-base-2024-04 → triage-base-2024-05 | @sofia | @amir |"
    ) in markdown
    assert "| 2024-05-13 10:30 | note |  | No adversarial inputs" in markdown


def _noisy_timeline(count: int) -> list[TimelineEvent]:
    start = datetime(2024, 5, 13, 9, 0, tzinfo=UTC)
    events = []
    for i in range(count):
        kind = TimelineKind.PROMPT_CHANGE if i % 100 == 0 else TimelineKind.SLACK_MESSAGE
        events.append(
            TimelineEvent(
                incident_number=27,
                occurred_at=start + timedelta(minutes=i),
                recorded_at=start + timedelta(minutes=i),
                kind=kind,
                summary=f"#{i}: message {i}; see <https://x.example|link> %% here",
            )
        )
    return events


def test_the_mermaid_diagram_stays_bounded_and_parseable(
    medical_triage_draft: PostmortemInput,
) -> None:
    medical_triage_draft.timeline = _noisy_timeline(1000)

    postmortem = compile_postmortem(medical_triage_draft, now=NOW)
    diagram = postmortem.markdown.split("```mermaid\n")[1].split("```")[0]
    entries = [line for line in diagram.splitlines() if " : " in line]
    texts = [text for line in entries for text in line.split(" : ")[1:]]

    assert len(texts) <= MAX_ENTRIES
    # Merged, not dropped: runs of pinned messages say how many they stand for, and every
    # prompt change between them keeps its own entry.
    merged = [re.match(r"(\d+) pinned messages, first", text) for text in texts]
    assert sum(int(found[1]) for found in merged if found) == 990
    assert sum(text.startswith("[Prompt] ") for text in texts) == 10
    for line in diagram.splitlines()[1:]:
        assert "#" not in line and "%%" not in line and ";" not in line
    for line in entries:
        period = line.split(" : ")[0]
        assert ":" not in period
    # The table still lists every event.
    assert postmortem.markdown.split("## Full log")[0].count("| slack_message |") == 990


def test_what_changed_lists_the_control_plane_changes_up_to_a_limit(
    medical_triage_draft: PostmortemInput,
) -> None:
    medical_triage_draft.timeline = _noisy_timeline(4000)

    data = compile_postmortem(medical_triage_draft, now=NOW).data

    what_changed = data["four_questions"]["what_changed"]
    assert len(what_changed["control_plane_events"]) == 25
    assert what_changed["more"] == 15
    assert (
        "- … and 15 more in the timeline below"
        in compile_postmortem(medical_triage_draft, now=NOW).markdown
    )


# --- templates --------------------------------------------------------------------------------


def test_a_replaced_template_is_used(tmp_path: Path, legal_rag_draft: PostmortemInput) -> None:
    (tmp_path / "postmortem.md.j2").write_text(
        "# {{ pm.incident.title }} ({{ pm.times.time_to_detect.seconds | duration }})\n"
    )

    postmortem = compile_postmortem(legal_rag_draft, template_dir=tmp_path, now=NOW)

    assert (
        postmortem.markdown == "# Fabricated case citations in legal research answers (42 d 7 h)\n"
    )
    assert postmortem.template_problem is None


def test_a_replaced_template_may_extend_the_builtin_one(
    tmp_path: Path, legal_rag_draft: PostmortemInput
) -> None:
    (tmp_path / "postmortem.md.j2").write_text(
        '{% extends "builtin/postmortem.md.j2" %}\n'
        "{% block flags %}## Sign-off\nReviewed at the Thursday retro.\n{% endblock %}\n"
    )

    postmortem = compile_postmortem(legal_rag_draft, template_dir=tmp_path, now=NOW)

    assert "## Sign-off\nReviewed at the Thursday retro." in postmortem.markdown
    assert "## Review flags" not in postmortem.markdown
    assert "## Root cause" in postmortem.markdown


def test_a_template_dir_without_the_template_uses_the_builtin_quietly(
    tmp_path: Path, legal_rag_draft: PostmortemInput
) -> None:
    postmortem = compile_postmortem(legal_rag_draft, template_dir=tmp_path, now=NOW)

    assert postmortem.template_problem is None
    assert "## The four questions" in postmortem.markdown


def test_a_template_that_does_not_parse_falls_back_and_says_why(
    tmp_path: Path, legal_rag_draft: PostmortemInput
) -> None:
    template = tmp_path / "postmortem.md.j2"
    template.write_text("# {{ pm.incident.title }}\n\n{% for row in pm.scope.rows %}\n")

    postmortem = compile_postmortem(legal_rag_draft, template_dir=tmp_path, now=NOW)

    assert postmortem.markdown == compile_postmortem(legal_rag_draft, now=NOW).markdown
    assert postmortem.template_problem is not None
    assert postmortem.template_problem.startswith("postmortem.md.j2 line ")
    assert "TemplateSyntaxError" in postmortem.template_problem


def test_a_template_that_fails_to_render_falls_back_and_names_the_line(
    tmp_path: Path, legal_rag_draft: PostmortemInput
) -> None:
    template = tmp_path / "postmortem.md.j2"
    template.write_text("# {{ pm.incident.title }}\n\nOwner: {{ pm.incident.owner_handle }}\n")

    postmortem = compile_postmortem(legal_rag_draft, template_dir=tmp_path, now=NOW)

    assert "## Root cause" in postmortem.markdown
    assert postmortem.template_problem is not None
    assert postmortem.template_problem.startswith("postmortem.md.j2 line 3: UndefinedError:")
    assert "owner_handle" in postmortem.template_problem


def test_people_named_on_the_timeline_read_by_their_names(
    medical_triage_draft: PostmortemInput,
) -> None:
    medical_triage_draft.user_names.update({"U04SOFIA": "sofia", "U04SOFIAB": "sofia b"})
    medical_triage_draft.timeline.append(
        TimelineEvent(
            incident_number=27,
            occurred_at=datetime(2024, 5, 13, 12, 0, tzinfo=UTC),
            recorded_at=datetime(2024, 5, 13, 12, 5, tzinfo=UTC),
            kind=TimelineKind.SLACK_MESSAGE,
            actor="U04SOFIA",
            summary="@U04SOFIAB and @U04SOFIA follow the triage runbook; ping @U0GONE",
            details={"user_ids": ["U04SOFIA", "U04SOFIAB", "U0GONE"]},
        )
    )

    postmortem = compile_postmortem(medical_triage_draft, now=NOW)

    expected = "@sofia b and @sofia follow the triage runbook; ping @U0GONE"
    assert f"| 2024-05-13 12:00 | slack_message |  | {expected} | @sofia |" in postmortem.markdown
    assert expected in [e["summary"] for e in postmortem.data["timeline"]["events"]]


def test_a_crowded_diagram_still_spans_the_whole_incident(
    medical_triage_draft: PostmortemInput,
) -> None:
    # 1000 minutes from 09:00 run past midnight: the diagram keeps both days.
    medical_triage_draft.timeline = _noisy_timeline(1000)

    sections = compile_postmortem(medical_triage_draft, now=NOW).data["diagram"]["sections"]
    texts = [text for s in sections for p in s["periods"] for text in p["events"]]

    assert [s["name"] for s in sections][:2] == ["2024-05-10", "2024-05-13"]
    assert "2024-05-14" in [s["name"] for s in sections]
    assert any("message 0;" in text for text in texts)


def test_an_ignored_alarm_is_written_down_where_it_matters(
    legal_rag_draft: PostmortemInput,
) -> None:
    assert legal_rag_draft.detection is not None
    legal_rag_draft.detection.alarm_ignored_or_misrouted = (
        "Relevance alarm paged the search rotation"
    )

    postmortem = compile_postmortem(legal_rag_draft, now=NOW)

    line = "- Alarm ignored or misrouted: Relevance alarm paged the search rotation\n"
    detection = postmortem.markdown.split("## Detection")[1].split("## Scope")[0]
    gap = postmortem.markdown.split("### 4. What is the detection gap?")[1].split("## Timeline")[0]
    assert line in detection and line in gap
    assert (
        "Alarm ignored"
        not in compile_postmortem(
            legal_rag_draft.model_copy(update={"detection": None}), now=NOW
        ).markdown
    )


def test_the_regression_cases_are_summed_up_in_one_line_and_tabled(
    legal_rag_draft: PostmortemInput,
) -> None:
    postmortem = compile_postmortem(legal_rag_draft, now=NOW)
    section = postmortem.data["regression_cases"]
    assert section["summary"] == (
        "Regression cases: 3 captured (2 slices), in dataset legal-rag-regressions / exported, "
        "last gate run at commit 9f1c2ab: 3/3 pass."
    )
    assert [c["verdict"] for c in section["cases"]] == ["pass", "pass", "pass"]
    assert section["cases"][1]["expected"]["kind"] == "must_not"
    assert section["summary"] in postmortem.markdown
    # The input is abridged in the table; the JSON keeps it whole.
    first = section["cases"][0]
    assert len(first["input_abridged"]) == 80 and first["input_abridged"].endswith("…")
    assert first["input"] == legal_rag_draft.cases[0].case.input
    # A person's words are escaped in the row like everywhere else.
    assert "\\| include the &lt;court&gt; and date" in postmortem.markdown


def test_no_case_reads_none_captured(legal_rag_draft: PostmortemInput) -> None:
    draft = legal_rag_draft.model_copy(update={"cases": []})
    postmortem = compile_postmortem(draft, now=NOW)
    assert postmortem.data["regression_cases"]["summary"] == "Regression cases: none captured."
    assert "Regression cases: none captured." in postmortem.markdown
    assert "eval_set_done_without_case" in [flag.code for flag in postmortem.flags]


def test_cases_not_exported_nor_run_say_so(medical_triage_draft: PostmortemInput) -> None:
    never = [v.model_copy(update={"last": None}) for v in medical_triage_draft.cases]
    draft = medical_triage_draft.model_copy(update={"cases": never})
    assert compile_postmortem(draft, now=NOW).data["regression_cases"]["summary"] == (
        "Regression cases: 2 captured (1 slice), not in the eval set yet, no gate run yet."
    )
