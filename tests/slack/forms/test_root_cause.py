"""The root-cause form: per-axis inputs, the first axis, and the conditions."""

from __future__ import annotations

from slack_sdk.models.views import View

from bot.core.postmortem.forms import RootCauseInput
from bot.core.postmortem.reader import Analysis
from bot.core.timeline import Axis
from bot.slack.forms import root_cause
from tests.slack.forms.form_support import fill, incident, matches_golden


def view() -> View:
    return root_cause.build(Analysis(incident=incident()), [])


def test_the_built_form_matches_its_golden_json() -> None:
    assert matches_golden("root_cause", view())


def test_two_axes_with_their_evidence_become_the_root_cause() -> None:
    values = fill(
        view(),
        {
            "root_cause.axes": ["model", "data"],
            "root_cause.first_axis": "data",
            "root_cause.what_changed.model": "v2 rolled out",
            "root_cause.evidence_url.model": "https://deploy.example.com/v2",
            "root_cause.what_changed.data": "corpus refresh dropped guidelines",
            "root_cause.evidence_url.data": "https://git.example.com/corpus/commit/9",
            "root_cause.why_not_caught": "eval_coverage_gap",
            "root_cause.contributing_factors": ["data_fragility"],
        },
    )

    cause = RootCauseInput.check(root_cause.read(values)).root_cause()

    assert cause.first_axis is Axis.DATA
    assert [f.axis for f in cause.axes] == [Axis.MODEL, Axis.DATA]
    assert cause.axes[1].evidence_url == "https://git.example.com/corpus/commit/9"


def test_an_axis_without_evidence_is_answered_under_that_axis_input() -> None:
    values = fill(
        view(),
        {
            "root_cause.axes": ["prompt"],
            "root_cause.what_changed.prompt": "citation rule lost",
            "root_cause.why_not_caught": "threshold_band",
        },
    )

    errors = RootCauseInput.errors(root_cause.read(values))

    assert set(errors) == {"evidence_url.prompt"}
