"""The cases list: each case with its key, slice, abridged input and expected behaviour, what
the gate last said, and its Edit and Remove buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.cases.model import CaseView, LastVerdict, RegressionCase
from bot.slack.forms import cases as cases_form
from bot.slack.forms.fields import parse_ref
from bot.slack.ids import ActionId
from tests.slack.forms.form_support import NOW, incident, matches_golden


def case(case_id: int, **values: object) -> RegressionCase:
    base: dict[str, object] = {
        "id": case_id,
        "incident_number": 7,
        "key": f"aiinc-7-{case_id:012x}",
        "input": "Which filings changed section 12?",
        "expected": "Names the 2025 amendment",
        "created_at": NOW,
    }
    return RegressionCase.model_validate(base | values)


PASSED = LastVerdict(
    run_id=1,
    suite="legal-rag-gate",
    commit="abc1234",
    url=None,
    reported_at=datetime(2024, 5, 15, tzinfo=UTC),
    passed=True,
)
VIEWS = [
    CaseView(case=case(1, slice="January filings"), last=PASSED),
    CaseView(case=case(2, input="<!channel> " + "long query " * 30, expected="Refuse")),
]


def _buttons(view: dict[str, object]) -> list[tuple[str, str]]:
    blocks = view["blocks"]
    assert isinstance(blocks, list)
    return [
        (e["action_id"], e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_the_built_lists_match_their_golden_json() -> None:
    assert matches_golden("cases", cases_form.build(incident(), VIEWS))
    assert matches_golden("cases_none", cases_form.build(incident(), []))


def test_each_case_shows_its_key_verdict_and_buttons_for_itself() -> None:
    view = cases_form.build(incident(), VIEWS).to_dict()
    text = str(view["blocks"])

    assert "aiinc-7-000000000001" in text and "January filings" in text
    assert "pass (legal-rag-gate at `abc1234`)" in text
    assert "not run by a gate yet" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    edits = [v for a, v in _buttons(view) if a == ActionId.CASE_EDIT]
    assert [parse_ref(v) for v in edits] == [(7, 1), (7, 2)]
