"""The timeline as a reader meets it: the key events line by line, the bookkeeping summed up
per phase, every line in the full log, a diagram that stays small, and each change credited to
whoever made it rather than whoever put it on the timeline."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.postmortem.compiler import PostmortemInput, compile_postmortem
from bot.core.postmortem.diagram import MAX_ENTRIES
from bot.core.postmortem.formatting import duration
from bot.core.timeline import TimelineEvent, TimelineKind
from tests.core.postmortem.postmortem_cases import legal_rag, medical_triage

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
START = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
DASH = "\u2013"  # between the two times of a span


def _event(
    minute: int, kind: TimelineKind, summary: str, *, actor: str | None = None, **details: Any
) -> TimelineEvent:
    moment = START + timedelta(minutes=minute)
    return TimelineEvent(
        incident_number=12,
        occurred_at=moment,
        recorded_at=moment,
        kind=kind,
        actor=actor,
        source="alertmanager" if kind is TimelineKind.ALERT else "slack",
        summary=summary,
        details=details,
    )


def _tick(
    minute: int, phase: str, item: int, actor: str, *, criterion: bool = False
) -> TimelineEvent:
    verb = "Confirmed" if criterion else "Checked"
    return _event(
        minute,
        TimelineKind.PHASE,
        f"{verb}: item {item} ({phase.title()})",
        actor=actor,
        event="entry",
        phase=phase,
        item=f"{phase}-{item}",
        done=True,
    )


# The kinds of key event the generated incident holds, each with a word its summaries carry so
# a merged diagram entry ("12 notes, first: Note 3 …") can be traced back to it.
_KEY_CLASSES = {
    TimelineKind.NOTE: "Note",
    TimelineKind.ALERT: "Alert",
    TimelineKind.UPDATE: "Update",
    TimelineKind.SLACK_MESSAGE: "Pinned",
    TimelineKind.SEVERITY: "Severity",
    TimelineKind.STABILIZATION: "Stabilization",
    TimelineKind.ROLE: "commander",
    TimelineKind.MODEL_CHANGE: "[Model]",
    TimelineKind.INDEX_CHANGE: "[Data]",
    TimelineKind.CONFIG_CHANGE: "[Environment]",
    TimelineKind.PROMPT_CHANGE: "[Prompt]",
}


def _three_day_incident(total: int = 500) -> list[TimelineEvent]:
    """A 3-day incident: declared on day one, mitigated on day three, closed after; most of
    its lines are checklist ticks, invitations, alerts and chat, as in a real one."""
    day = 24 * 60
    events = [
        _event(
            -3 * day,
            TimelineKind.DETECTION,
            "Regression started (as declared)",
            event="regression_started",
        ),
        _event(
            0,
            TimelineKind.STATUS,
            "Incident declared: citations (S2)",
            actor="U_DANA",
            event="declared",
        ),
        _event(
            0, TimelineKind.PHASE, "Phase Triage started", event="phase_started", phase="triage"
        ),
        _event(
            0,
            TimelineKind.ROLE,
            "@U_DANA is commander (declared the incident)",
            actor="U_DANA",
            user_ids=["U_DANA"],
        ),
        _event(1, TimelineKind.STATUS, "Channel #inc-12 created", event="channel_created"),
        _event(1, TimelineKind.STATUS, "Incident card posted and pinned", event="card_posted"),
        _event(90, TimelineKind.SEVERITY, "Severity S2 → S1", actor="U_DANA"),
        _event(120, TimelineKind.STABILIZATION, "Stabilization: citations off", actor="U_DANA"),
        _event(
            day,
            TimelineKind.PHASE,
            "Phase Triage → Scope",
            actor="U_DANA",
            event="phase_changed",
            to="scope",
        ),
        _event(
            2 * day,
            TimelineKind.PHASE,
            "Phase Scope → Mitigate",
            actor="U_DANA",
            event="phase_changed",
            to="mitigate",
        ),
        _event(
            2 * day + 600,
            TimelineKind.MITIGATION,
            "Mitigated: every exit criterion of Mitigate confirmed",
            actor="U_MIKA",
            event="mitigated",
        ),
        _event(
            3 * day,
            TimelineKind.STATUS,
            "Incident closed by @U_DANA",
            actor="U_DANA",
            event="closed",
            user_ids=["U_DANA"],
        ),
    ]
    for i in range(40):
        events.append(
            _event(
                2 + i, TimelineKind.STATUS, f"Invited @U_{i}", event="invited", user_ids=[f"U_{i}"]
            )
        )
    phases = [("triage", 0), ("scope", day), ("mitigate", 2 * day)]
    for phase, offset in phases:
        for item in range(60):
            events.append(_tick(offset + 10 + item, phase, item, "U_CAROL"))
    events.append(_tick(2 * day + 599, "mitigate", 99, "U_MIKA", criterion=True))
    for kind, word in _KEY_CLASSES.items():
        if kind in (TimelineKind.SEVERITY, TimelineKind.STABILIZATION, TimelineKind.ROLE):
            continue
        change = {"changed_by": "ci-bot", "change_id": 1} if word.startswith("[") else {}
        for i in range(12):
            minute = (i * 397 + len(word) * 53) % (3 * day)
            events.append(
                _event(
                    minute, kind, f"{word} {i} on the legal-RAG service", actor="U_LEE", **change
                )
            )
    n = 0
    while len(events) < total:
        events.append(
            _event((n * 211) % (3 * day), TimelineKind.NOTE, f"Note extra {n}", actor="U_MIKA")
        )
        n += 1
    return events


@pytest.fixture
def crowded() -> PostmortemInput:
    draft = legal_rag()
    draft.timeline = _three_day_incident()
    assert draft.detection is not None and draft.resolution is not None
    draft.detection.regression_started_at = START - timedelta(days=3)
    draft.detection.first_alarm_at = START - timedelta(minutes=30)
    draft.incident.declared_at = START
    draft.resolution.mitigated_at = START + timedelta(days=2, minutes=600)
    draft.incident.closed_at = START + timedelta(days=3)
    return draft


def _diagram_texts(markdown: str) -> list[str]:
    diagram = markdown.split("```mermaid\n")[1].split("```")[0]
    return [
        text for line in diagram.splitlines() if " : " in line for text in line.split(" : ")[1:]
    ]


def _key_table(markdown: str) -> str:
    return markdown.split("## Timeline")[1].split("```mermaid")[0]


def test_a_500_event_three_day_incident_draws_at_most_25_entries_with_every_key_class(
    crowded: PostmortemInput,
) -> None:
    postmortem = compile_postmortem(crowded, now=NOW)
    texts = _diagram_texts(postmortem.markdown)

    assert len(crowded.timeline) == 500
    assert len(texts) <= MAX_ENTRIES
    assert postmortem.data["diagram"]["entries"] == len(texts)
    for word in _KEY_CLASSES.values():
        assert any(word in text for text in texts), word
    for milestone in ["Regression started", "Incident declared", "Mitigated", "Closed"]:
        assert milestone in texts
    # A busy minute lists its entries one a line, not twenty on one.
    diagram = postmortem.markdown.split("```mermaid\n")[1].split("```")[0]
    assert all(line.count(" : ") == 1 for line in diagram.splitlines() if " : " in line)
    # A line recording a milestone is not drawn beside the milestone.
    assert not any(text.startswith("Incident closed by") for text in texts)
    # Bookkeeping is summed up in the table, never drawn.
    assert not any("Checked" in text or "Invited" in text for text in texts)
    # The diagram covers the whole incident, one section a day.
    days = [s["name"] for s in postmortem.data["diagram"]["sections"]]
    assert days == ["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"]


def test_the_table_keeps_every_key_event_and_the_full_log_keeps_every_event(
    crowded: PostmortemInput,
) -> None:
    postmortem = compile_postmortem(crowded, now=NOW)
    table = _key_table(postmortem.markdown)
    full_log = postmortem.markdown.split("## Full log")[1]

    bookkeeping = [
        e
        for e in crowded.timeline
        if e.details.get("event") in {"entry", "invited", "channel_created", "card_posted"}
    ]
    key = [e for e in crowded.timeline if e not in bookkeeping]
    assert len(bookkeeping) == 40 + 180 + 1 + 2
    rows = [line for line in table.splitlines() if line.startswith("| 2024-")]
    assert len(rows) == len(key)
    for event in key:
        assert re.sub(r"@U_\w+", "", event.summary).split(" by ")[0] in table
    assert "Checked:" not in table and "Invited" not in table
    assert len([line for line in full_log.splitlines() if line.startswith("| 2024-")]) == 500
    assert len(postmortem.data["timeline"]["events"]) == 500
    assert len(postmortem.data["timeline"]["key_events"]) == len(key)


def test_bookkeeping_reads_one_line_per_phase(crowded: PostmortemInput) -> None:
    crowded.user_names = {"U_CAROL": "carol", "U_MIKA": "mika"}

    postmortem = compile_postmortem(crowded, now=NOW)

    lines = [b["text"] for b in postmortem.data["timeline"]["bookkeeping"]]
    assert lines == [
        "Triage: channel created, 40 people invited, card posted and pinned; "
        f"60 of 60 checks done by @carol; 2024-03-04 09:01{DASH}10:09",
        f"Scope: 60 of 60 checks done by @carol; 2024-03-05 09:10{DASH}10:09",
        "Mitigate: 60 of 60 checks done, 1 of 1 exit criteria confirmed by @carol, @mika; "
        f"2024-03-06 09:10{DASH}18:59",
    ]
    for line in lines:
        assert f"- {line}\n" in postmortem.markdown


def test_an_unchecked_item_counts_as_not_done() -> None:
    draft = legal_rag()
    draft.timeline = [
        _tick(0, "triage", 1, "U_CAROL"),
        _tick(1, "triage", 2, "U_CAROL"),
        _event(
            5,
            TimelineKind.PHASE,
            "Unchecked: item 2 (Triage)",
            actor="U_CAROL",
            event="entry",
            phase="triage",
            item="triage-2",
            done=False,
        ),
    ]
    draft.user_names = {"U_CAROL": "carol"}

    [line] = compile_postmortem(draft, now=NOW).data["timeline"]["bookkeeping"]

    assert line["text"] == f"Triage: 1 of 2 checks done by @carol; 2024-03-04 09:00{DASH}09:05"


def test_a_change_credits_its_author_and_who_added_it_separately() -> None:
    draft = medical_triage()
    draft.timeline = [
        # A CI bot's change, put on the timeline three weeks later by a responder.
        _event(
            0,
            TimelineKind.MODEL_CHANGE,
            "Model alias bumped",
            actor="U_AMIR",
            changed_by="github-actions[bot]",
            change_id=1,
        ),
        # A change the responder made and recorded themselves: one name, no "Added by".
        _event(
            1,
            TimelineKind.PROMPT_CHANGE,
            "Prompt v7",
            actor="U_AMIR",
            changed_by="U_AMIR",
            change_id=2,
        ),
        # A ledger change with no author: the system it came from stands.
        _event(2, TimelineKind.CONFIG_CHANGE, "Budget lowered", actor="U_AMIR", change_id=3),
        # A message Sofia wrote that Amir pinned.
        _event(
            3, TimelineKind.SLACK_MESSAGE, "Refusals are back", actor="U_SOFIA", added_by="U_AMIR"
        ),
    ]
    draft.user_names = {"U_AMIR": "amir", "U_SOFIA": "sofia"}

    postmortem = compile_postmortem(draft, now=NOW)

    table = _key_table(postmortem.markdown)
    assert "| Model alias bumped | github-actions[bot] | @amir |" in table
    assert "| Prompt v7 | @amir |  |" in table
    assert "| Budget lowered | the bot | @amir |" in table
    assert "| Refusals are back | @sofia | @amir |" in table
    by = [(e["by"], e["added_by"]) for e in postmortem.data["timeline"]["events"]]
    assert by == [
        ("github-actions[bot]", "@amir"),
        ("@amir", None),
        ("the bot", "@amir"),
        ("@sofia", "@amir"),
    ]


def test_an_unowned_action_item_reads_unowned() -> None:
    markdown = compile_postmortem(medical_triage(), now=NOW).markdown

    row = next(line for line in markdown.splitlines() if line.startswith("| 3 | Calibrate"))
    assert "| unowned |" in row
    assert "| _not recorded_ | open |" in row  # the due date really is missing


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (10_800, "3 h"),
        (11_400, "3 h 10 min"),
        (3 * 86_400, "3 d"),
        (2 * 86_400 + 23 * 3_600 + 59 * 60, "2 d 23 h"),
        (45 * 60 + 30, "45 min"),
        (30, "30 s"),
        (-5_400, "-1 h 30 min"),
        (None, "_not recorded_"),
    ],
)
def test_one_duration_rule(seconds: float | None, text: str) -> None:
    assert duration(seconds) == text


def test_every_duration_in_the_document_follows_the_rule() -> None:
    markdown = compile_postmortem(legal_rag(), now=NOW).markdown

    # The same span reads the same wherever it is printed, with no zero-valued smaller unit.
    assert "- **Time-to-detect:** 42 d 7 h (" in markdown
    assert "- Time-to-detect: 42 d 7 h\n" in markdown
    assert "- **Time-to-mitigate:** 1 d 19 h (" in markdown
    assert not re.search(r"\b0\d? (min|h)\b", markdown)


def test_bookkeeping_before_any_phase_and_across_midnight() -> None:
    draft = legal_rag()
    draft.timeline = [
        _event(0, TimelineKind.STATUS, "Channel #inc-12 created", event="channel_created"),
        _event(
            16 * 60,
            TimelineKind.STATUS,
            "Invited @U_A, @U_B",
            event="invited",
            user_ids=["U_A", "U_B"],
        ),
    ]

    [line] = compile_postmortem(draft, now=NOW).data["timeline"]["bookkeeping"]

    # No runbook phase had started: the lines belong to the declaration.
    assert line["text"] == (
        f"Declaration: channel created, 2 people invited; 2024-03-04 09:00 {DASH} 2024-03-05 01:00"
    )
