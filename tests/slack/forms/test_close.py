"""The close form: the resolution, the exit criteria met, and "close anyway"."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.models.views import View

from bot.core.postmortem.forms import ResolutionInput
from bot.core.postmortem.reader import Analysis
from bot.slack.forms import close
from bot.slack.forms.fields import CloseState
from tests.slack.forms.form_support import NOW, fill, incident, matches_golden

CRITERIA = ["Refusals back at 100% for 48 h", "Judge agrees with humans"]


def view() -> View:
    return close.build(Analysis(incident=incident()), [], exit_criteria=CRITERIA)


def test_the_built_form_matches_its_golden_json() -> None:
    assert matches_golden("close", view())


def test_the_resolution_reads_ticked_and_typed_exit_criteria() -> None:
    values = fill(
        view(),
        {
            "close.summary": "Rolled the corpus back.",
            "close.mitigated_at": datetime(2024, 5, 13, 15, tzinfo=UTC),
            "close.exit_criteria_met": [CRITERIA[0]],
            "close.exit_criteria_other": "Paging rule fixed\n\n",
        },
    )

    resolution = ResolutionInput.check(close.read(values), now=NOW).resolution()

    assert resolution.exit_criteria_met == [CRITERIA[0], "Paging rule fixed"]


def test_blocking_flags_need_close_anyway() -> None:
    values = fill(view(), {"close.summary": "Rolled back."})
    state = CloseState(incident_number=7, channel_id="C_INC7", blocking=["no_eval_item"])

    assert set(close.refusal(values, state)) == {"close_anyway"}
    assert close.refusal(values, CloseState(incident_number=7, channel_id="C_INC7")) == {}


def test_criteria_confirmed_in_the_runbook_are_ticked_and_win_the_ten_places() -> None:
    many = [f"Signal {n} back to baseline" for n in range(1, 13)]
    confirmed = many[-3:]
    built = close.build(
        Analysis(incident=incident()), [], exit_criteria=many, confirmed=confirmed
    ).to_dict()
    [met] = [b for b in built["blocks"] if b.get("block_id") == "close.exit_criteria_met"]
    offered = [o["value"] for o in met["element"]["options"]]
    ticked = [o["value"] for o in met["element"]["initial_options"]]
    assert len(offered) == 10 and set(confirmed) <= set(offered)
    assert offered == [c for c in many if c in offered]  # still in the runbook's order
    assert ticked == confirmed
