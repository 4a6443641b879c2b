"""The postmortem forms' input names are the fields of the core's input models, so an error
about a field always lands under the input for it."""

from __future__ import annotations

from enum import StrEnum

import pytest

from bot.core.cases.forms import CaseInput
from bot.core.forms import FormInput
from bot.core.postmortem.forms import (
    ActionItemInput,
    DetectionInput,
    ResolutionInput,
    RootCauseInput,
    SliceInput,
)
from bot.slack.ids import (
    ActionField,
    CaseField,
    DetectionField,
    ResolutionField,
    RootCauseField,
    SliceField,
)


@pytest.mark.parametrize(
    ("names", "model"),
    [
        (DetectionField, DetectionInput),
        (SliceField, SliceInput),
        (RootCauseField, RootCauseInput),
        (ActionField, ActionItemInput),
        (ResolutionField, ResolutionInput),
        (CaseField, CaseInput),
    ],
)
def test_every_input_name_is_a_field_of_the_core_model(
    names: type[StrEnum], model: type[FormInput]
) -> None:
    assert {name.value for name in names} <= set(model.model_fields)


def test_the_case_form_has_an_input_for_every_field_of_the_case() -> None:
    # Every CaseInput field is typed in the modal, so no error lands away from its input.
    assert {name.value for name in CaseField} == set(CaseInput.model_fields)
