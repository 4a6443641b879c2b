"""The stabilization-lever form: who authorized it and the trade-off, checked by LeverInput."""

from __future__ import annotations

from slack_sdk.models.views import View

from bot.core.runbooks.forms import TRADE_OFF_MAX, LeverInput
from bot.core.runbooks.model import StabilizationLever
from bot.slack.forms import lever
from tests.slack.forms.form_support import fill, incident, matches_golden, slack_refuses

ROLLBACK = StabilizationLever(
    id="rollback-model",
    title="Roll back the model",
    description="Route traffic to the previous model version.",
    trade_off_prompt="What do users lose while on the old model?",
)


def built() -> View:
    return lever.build(incident(), phase="stabilize", lever=ROLLBACK)


def test_the_built_form_matches_its_golden_json() -> None:
    assert matches_golden("lever", built())


def test_the_authorizer_and_the_trade_off_are_read() -> None:
    values = fill(
        built(),
        {"lever_authorized_by": "U_LEAD", "lever_trade_off": " Older answers for a day. "},
    )

    pulled = LeverInput.check(lever.read(values))

    assert (pulled.authorized_by, pulled.trade_off) == ("U_LEAD", "Older answers for a day.")


def test_an_untouched_form_is_refused_under_both_inputs() -> None:
    problems = LeverInput.errors(lever.read(fill(built())))

    assert lever.errors(problems) == {
        "lever_authorized_by": "Who authorized pulling this lever?",
        "lever_trade_off": "Say what it costs (quality, cost, users).",
    }


def test_the_longest_trade_off_the_form_takes_is_one_the_core_takes() -> None:
    longest = fill(built(), {"lever_authorized_by": "U_LEAD", "lever_trade_off": "x" * 2000})

    assert LeverInput.errors(lever.read(longest)) == {}
    assert slack_refuses(built(), "lever_trade_off", "x" * (TRADE_OFF_MAX + 1))
    too_long = {"authorized_by": "U_LEAD", "trade_off": "x" * (TRADE_OFF_MAX + 1)}
    assert set(LeverInput.errors(too_long)) == {"trade_off"}
