"""The scope row form: one slice, its metric, the baseline and the incident value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.core.postmortem.analysis import (
    SliceImpact,
)
from bot.core.postmortem.formatting import number
from bot.core.postmortem.forms.findings import MAX_SLICE_LABEL
from bot.slack.forms.fields import (
    SliceState,
    block_id,
    initial,
    text_input,
    text_of,
)
from bot.slack.ids import (
    ActionId,
    CallbackId,
    PostmortemForm,
    SliceField,
)
from bot.slack.messages.format import options


def build(
    number_: int, *, row: SliceImpact | None = None, parent_view_id: str | None = None
) -> View:
    form = PostmortemForm.SLICE
    direction = options(
        [
            ("higher", "Higher is better (accuracy, pass rate, refusals on high-risk)"),
            ("lower", "Lower is better (escalations, errors, cost)"),
        ]
    )
    return View(
        type="modal",
        callback_id=CallbackId.SLICE_MODAL,
        title="Edit scope row" if row else "Add scope row",
        submit="Save",
        close="Back",
        private_metadata=SliceState(
            incident_number=number_,
            slice_id=row.id if row else None,
            parent_view_id=parent_view_id,
        ).encode(),
        blocks=[
            text_input(
                form,
                SliceField.SLICE,
                "Slice",
                value=row.slice if row else None,
                optional=False,
                max_length=MAX_SLICE_LABEL,
                placeholder="e.g. Queries on filings added in the January update",
            ),
            text_input(
                form,
                SliceField.METRIC,
                "Metric",
                value=row.metric if row else None,
                optional=False,
                max_length=MAX_SLICE_LABEL,
                placeholder="e.g. citation accuracy (%)",
            ),
            text_input(
                form,
                SliceField.BASELINE,
                "Baseline",
                value=number(row.baseline) if row else None,
                optional=False,
                max_length=40,
                placeholder="e.g. 97",
            ),
            text_input(
                form,
                SliceField.INCIDENT_VALUE,
                "During the incident",
                value=number(row.incident_value) if row else None,
                optional=False,
                max_length=40,
                placeholder="e.g. 61",
            ),
            text_input(
                form,
                SliceField.USERS_AFFECTED,
                "Users affected",
                value=str(row.users_affected) if row and row.users_affected is not None else None,
                max_length=20,
                placeholder="e.g. 212 (an estimate is fine)",
            ),
            InputBlock(
                block_id=block_id(form, ActionId.SLICE_HIGHER_IS_BETTER),
                label="Direction",
                element=RadioButtonsElement(
                    action_id=ActionId.SLICE_HIGHER_IS_BETTER,
                    options=direction,
                    initial_option=initial(
                        direction, "lower" if row and not row.higher_is_better else "higher"
                    ),
                ),
            ),
        ],
    )


def read(values: Mapping[str, Any]) -> dict[str, object]:
    form = PostmortemForm.SLICE
    return dict(
        slice=text_of(values, form, SliceField.SLICE),
        metric=text_of(values, form, SliceField.METRIC),
        baseline=text_of(values, form, SliceField.BASELINE),
        incident_value=text_of(values, form, SliceField.INCIDENT_VALUE),
        users_affected=text_of(values, form, SliceField.USERS_AFFECTED),
        higher_is_better=text_of(values, form, ActionId.SLICE_HIGHER_IS_BETTER) != "lower",
    )
