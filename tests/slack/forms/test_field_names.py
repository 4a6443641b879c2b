"""The postmortem forms' input names are the fields of the core's input models, so an error
about a field always lands under the input for it."""

from __future__ import annotations

from enum import StrEnum

import pytest

from bot.core.forms import FormInput
from bot.core.postmortem.forms import (
    ActionItemInput,
    DetectionInput,
    ResolutionInput,
    RootCauseInput,
    SliceInput,
)
from bot.slack.ids import ActionField, DetectionField, ResolutionField, RootCauseField, SliceField


@pytest.mark.parametrize(
    ("names", "model"),
    [
        (DetectionField, DetectionInput),
        (SliceField, SliceInput),
        (RootCauseField, RootCauseInput),
        (ActionField, ActionItemInput),
        (ResolutionField, ResolutionInput),
    ],
)
def test_every_input_name_is_a_field_of_the_core_model(
    names: type[StrEnum], model: type[FormInput]
) -> None:
    assert {name.value for name in names} <= set(model.model_fields)
