"""A core input model's `{field: message}`, shown under the modal's inputs.

Slack can only show an error under an input of the view, by its block id. One about a field
the form has no input for (should never happen) goes under the first input, prefixed with the
field's name, rather than failing the whole answer.
"""

from __future__ import annotations

from collections.abc import Mapping


def shown_under(problems: Mapping[str, str], inputs: Mapping[str, str]) -> dict[str, str]:
    """`problems` as Slack's `{block_id: message}`; `inputs` maps each field to its block id,
    the first one taking what has no input of its own."""
    shown = {inputs[field]: message for field, message in problems.items() if field in inputs}
    strays = [f"{field}: {message}" for field, message in problems.items() if field not in inputs]
    if strays:
        first = next(iter(inputs.values()))
        shown[first] = " ".join([shown[first], *strays] if first in shown else strays)
    return shown
