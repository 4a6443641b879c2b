"""The `timeline_rows` filter writes what the template's per-event loop wrote, byte for byte."""

from __future__ import annotations

from typing import Any

from bot.core.postmortem.render import _environment

# The loop the built-in template had before the filter (and a team's copy may still have).
LOOP = (
    "{% for e in events %}\n"
    "| {{ e.at | utc_time }} | {{ e.kind }} | "
    "{% if e.axis_label %}**{{ e.axis_label }}**{% endif %} | {{ e.summary | cell }}"
    '{% if e.permalink %} ({{ e.permalink | link("link") }}){% endif %} | {{ e.by | cell }} | '
    "{% if e.added_by %}{{ e.added_by | cell }}{% endif %} |\n"
    "{% else %}\n"
    "| _not recorded_ | | | | | |\n"
    "{% endfor %}\n"
)
FILTER = "{{ events | timeline_rows }}\n"


def _event(n: int, **changes: Any) -> dict[str, Any]:
    event = {
        "at": f"2024-05-0{n % 9 + 1}T0{n % 10}:1{n % 10}:59Z",
        "kind": "note",
        "axis_label": None,
        "summary": f"Line {n}",
        "permalink": None,
        "by": "@carol",
        "added_by": None,
    }
    return {**event, **changes}


EVENTS = [
    _event(0),
    _event(1, kind="model_change", axis_label="Model", permalink="https://x.example/a (b)"),
    _event(2, summary="a | b\\| c\n  second line & <b>x</b> &amp;", by="@x|y"),
    _event(3, summary="# heading\n1. item\n- item\n```", added_by="@dave"),
    _event(4, summary="   ", by="", added_by="@<eve>"),
    _event(5, summary="sep\u2028rated\ttab", kind="<kind>", axis_label="# Data"),
    _event(6, at="2024-05-01T08:00:00+02:00"),
    _event(7, at="0999-05-01T08:00:00Z"),
]


def _render(source: str, events: list[dict[str, Any]]) -> str:
    return _environment(None).from_string(source).render(events=events)


def test_the_filter_writes_each_row_as_the_loop_does() -> None:
    assert _render(FILTER, EVENTS) == _render(LOOP, EVENTS)
    assert _render(FILTER, EVENTS[:1]) == _render(LOOP, EVENTS[:1])


def test_no_events_is_one_row_saying_so() -> None:
    assert _render(FILTER, []) == _render(LOOP, []) == "| _not recorded_ | | | | | |\n"


def test_a_second_table_over_the_same_events_is_the_same() -> None:
    twice = "{{ events | timeline_rows }}\n{{ events[1:3] | timeline_rows }}\n"
    assert _render(twice, EVENTS) == _render(LOOP, EVENTS) + _render(LOOP, EVENTS[1:3])
