"""The regression-case form: what a person types becomes the CaseInput the REST route takes
too, and every refusal shows under the input it is about."""

from __future__ import annotations

from bot.core.cases.forms import CaseInput
from bot.core.cases.model import CaseSource, Expectation, RegressionCase, Risk, Versions
from bot.slack.forms import case as case_form
from bot.slack.forms.case import CaseState
from tests.slack.forms.form_support import NOW, fill, matches_golden, slack_refuses

PERMALINK = "https://sandbox.slack.com/archives/C_INC7/p1715600000000100"
CASE = RegressionCase(
    id=4,
    incident_number=7,
    key="aiinc-7-0123456789ab",
    input="Which filings changed section 12 in January?",
    observed="None did.",
    expected="Names the 2025 amendment",
    expectation=Expectation.MUST,
    slice="January filings",
    risk=Risk.HIGH,
    trace_url="https://traces.example/t/42",
    versions=Versions(
        request_model="gpt-4o-2024-11-20",
        provider_name="openai",
        prompt_name="legal-answer",
        prompt_version="v14",
    ),
    source=CaseSource.SLACK_MESSAGE,
    source_url=PERMALINK,
    created_at=NOW,
)


def test_the_built_forms_match_their_golden_json() -> None:
    assert matches_golden("case_new", case_form.build(7, channel_id="C_INC7"))
    assert matches_golden(
        "case_from_message",
        case_form.build(
            7,
            channel_id="C_INC7",
            input_text="refusals again on <chest pain> & more",
            source=CaseSource.SLACK_MESSAGE,
            source_url=PERMALINK,
        ),
    )
    assert matches_golden("case_edit", case_form.build(7, case=CASE, parent_view_id="V_LIST"))


def test_a_prefilled_case_reads_back_as_the_same_case() -> None:
    form = CaseInput.check(case_form.read(fill(case_form.build(7, case=CASE))))

    assert form.edited(CASE) == CASE


def test_a_message_becomes_the_input_and_its_permalink_the_source() -> None:
    view = case_form.build(
        7,
        input_text="the judge passed a wrong citation",
        source_url=PERMALINK,
        source=CaseSource.SLACK_MESSAGE,
    )
    values = fill(view, {"case.expected": "Fails the citation check"})

    form = CaseInput.check(case_form.read(values))
    state = CaseState.model_validate_json(view.private_metadata or "")

    assert form.input == "the judge passed a wrong citation"
    assert (form.expectation, form.risk) == (Expectation.MUST, Risk.MEDIUM)
    assert (state.source, state.source_url) == (CaseSource.SLACK_MESSAGE, PERMALINK)


def test_the_chosen_statement_and_versions_are_read() -> None:
    values = fill(
        case_form.build(7),
        {
            "case.input": "Summarise the filing",
            "case.expected": "Invent a case number",
            "case.expectation": "must_not",
            "case.risk": "high",
            "case.request_model": "claude-x",
            "case.provider_name": "anthropic",
        },
    )

    form = CaseInput.check(case_form.read(values))

    assert (form.expectation, form.risk) == (Expectation.MUST_NOT, Risk.HIGH)
    assert form.versions().attributes() == {
        "gen_ai.request.model": "claude-x",
        "gen_ai.provider.name": "anthropic",
    }


def test_a_case_with_no_input_is_refused_under_the_input() -> None:
    values = fill(case_form.build(7), {"case.expected": "Cites section 12"})

    shown = case_form.errors(CaseInput.errors(case_form.read(values)))

    assert set(shown) == {"case.input"}
    assert "input is required" in shown["case.input"]


def test_a_trace_link_that_is_no_link_is_refused_under_it() -> None:
    values = fill(
        case_form.build(7),
        {"case.input": "q", "case.expected": "a", "case.trace_url": "see the dashboard"},
    )

    assert set(case_form.errors(CaseInput.errors(case_form.read(values)))) == {"case.trace_url"}


def test_a_long_message_is_cut_to_what_the_input_can_hold() -> None:
    view = case_form.build(7, input_text="x" * 5000)

    assert not slack_refuses(view, "case.input", fill(view)["case.input"])
    assert fill(view)["case.input"].endswith("…")
