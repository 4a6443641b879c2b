"""Choosing what the Mermaid timeline diagram shows.

An incident can gather hundreds of timeline events over days; a diagram with hundreds of
entries is unreadable. The diagram keeps the milestones (regression start, first alarm,
declared, mitigated, closed) and the key events (bookkeeping is summed up in the table, not
drawn), at most `MAX_ENTRIES` entries. When the events do not fit one to an entry, events of
the same class are merged into one entry that says how many it stands for, in steps coarse
enough to fit: first consecutive runs within a day, then a class within a day, then, chattiest
class first (pinned messages, notes, updates, alerts ...), a class over the whole incident, so
changes, levers and phase moves keep their day the longest. Nothing is dropped, so every class
of key event stays in the picture; the table beside it lists every key event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.postmortem.formatting import iso

MAX_ENTRIES = 25


@dataclass(frozen=True)
class DiagramEvent:
    """One key event as the diagram sees it. `group` says which events may merge (a kind, or a
    control-plane axis); `plural` names a merged entry ("notes", "changes"); `prefix` leads every
    entry of the group ("[Data] "); groups with a lower `rank` lose their days first."""

    at: datetime
    group: str
    plural: str
    text: str
    prefix: str = ""
    rank: int = 0
    # The milestone this event records ("Closed" for the closing status line), if any.
    milestone: str | None = None


@dataclass(frozen=True)
class _Entry:
    at: datetime
    text: str


def _entry(run: Sequence[DiagramEvent]) -> _Entry:
    first = run[0]
    if len(run) == 1:
        return _Entry(first.at, first.prefix + first.text)
    return _Entry(first.at, f"{first.prefix}{len(run)} {first.plural}, first: {first.text}")


def _day(event: DiagramEvent) -> str:
    return (iso(event.at) or "")[:10]


def _runs(events: Sequence[DiagramEvent]) -> list[_Entry]:
    """Consecutive events of one group on one day merged."""
    runs: list[list[DiagramEvent]] = []
    for event in events:
        if runs and runs[-1][0].group == event.group and _day(runs[-1][0]) == _day(event):
            runs[-1].append(event)
        else:
            runs.append([event])
    return [_entry(run) for run in runs]


def _grouped(events: Sequence[DiagramEvent], key: Callable[[DiagramEvent], Any]) -> list[_Entry]:
    groups: dict[Any, list[DiagramEvent]] = {}
    for event in events:
        groups.setdefault(key(event), []).append(event)
    return [_entry(group) for group in groups.values()]


def _fit(events: Sequence[DiagramEvent], room: int) -> list[_Entry]:
    entries = [_entry([e]) for e in events]
    if len(entries) <= room:
        return entries
    entries = _runs(events)
    if len(entries) <= room:
        return entries
    # Per class and day, then whole classes folded over the incident, chattiest first. With
    # every class folded there is one entry per class; there are about twenty, so it fits.
    ranks = sorted({(e.rank, e.group) for e in events})
    folded: set[str] = set()
    for rank_group in [None, *ranks]:
        if rank_group is not None:
            folded.add(rank_group[1])
        entries = _grouped(events, lambda e: e.group if e.group in folded else (_day(e), e.group))
        if len(entries) <= room:
            break
    return entries


def _repeats_milestone(event: DiagramEvent, milestones: Sequence[tuple[datetime, str]]) -> bool:
    """An "Incident declared" status line at the declaration says nothing the milestone does not."""
    return any(
        abs((event.at - at).total_seconds()) < 60
        and (event.milestone == label or event.text.lower().startswith(label.lower()))
        for at, label in milestones
    )


def diagram_data(
    *,
    title: str,
    milestones: Sequence[tuple[datetime, str]],
    events: Sequence[DiagramEvent],
) -> dict[str, Any]:
    """Sections (one per UTC day) of periods (HH:MM) of entry texts.

    `events` are the key events, already in chronological order. `entries` counts what is
    drawn; `events` how many key events those entries stand for."""
    shown = [e for e in events if not _repeats_milestone(e, milestones)]
    chosen = _fit(shown, MAX_ENTRIES - len(milestones))
    entries = sorted(
        [*(_Entry(at, label) for at, label in milestones), *chosen], key=lambda entry: entry.at
    )

    sections: list[dict[str, Any]] = []
    for entry in entries:
        stamp = iso(entry.at) or ""
        day, clock = stamp[:10], stamp[11:16]
        if not sections or sections[-1]["name"] != day:
            sections.append({"name": day, "periods": []})
        periods = sections[-1]["periods"]
        if not periods or periods[-1]["label"] != clock:
            periods.append({"label": clock, "events": []})
        periods[-1]["events"].append(entry.text)
    return {
        "title": title,
        "sections": sections,
        "entries": len(entries),
        "events": len(shown),
        # Kept for templates written against the earlier form; nothing is left out any more.
        "omitted": 0,
    }
