"""The list modals (scope rows, action items): what a responder sees before picking a row."""

from __future__ import annotations

from datetime import date

from bot.core.postmortem.analysis import ActionCategory, ActionItem, SliceImpact
from bot.core.postmortem.reader import Analysis
from bot.slack.forms import action_items, scope
from tests.slack.forms.form_support import NOW, incident, matches_golden

ROWS = [
    SliceImpact(id=1, slice="chest pain", metric="refusal rate", baseline=1.0, incident_value=0.05),
    SliceImpact(id=2, slice="billing", metric="escalations", baseline=0.02, incident_value=0.02),
]
ITEMS = [
    ActionItem(id=1, category=ActionCategory.EVAL_SET, title="Add the cases", created_at=NOW),
    ActionItem(
        id=2,
        category=ActionCategory.CODE,
        title="Pin the corpus",
        owner_id="U_ANA",
        due=date(2024, 5, 20),
        created_at=NOW,
    ),
]


def test_the_scope_list_matches_its_golden_json() -> None:
    built = scope.build(incident(), ROWS, contradiction="S2 but a high-risk slice regressed.")

    assert matches_golden("scope", built)


def test_the_action_item_list_matches_its_golden_json() -> None:
    built = action_items.build(Analysis(incident=incident(), action_items=ITEMS))

    assert matches_golden("action_items", built)
