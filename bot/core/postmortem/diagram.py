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

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.postmortem.formatting import iso

MAX_ENTRIES = 25


@dataclass(frozen=True, slots=True)
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
    # The UTC day of `at` (`2024-03-05`), when the caller has it at hand; computed when empty.
    day: str = ""


@dataclass(frozen=True, slots=True)
class _Entry:
    at: datetime
    text: str


def _entry(first: DiagramEvent, count: int) -> _Entry:
    """The entry for `count` events of one group, `first` the earliest of them."""
    if count == 1:
        return _Entry(first.at, first.prefix + first.text)
    return _Entry(first.at, f"{first.prefix}{count} {first.plural}, first: {first.text}")


def _day(event: DiagramEvent) -> str:
    return event.day or (iso(event.at) or "")[:10]


def _runs(events: Sequence[DiagramEvent], days: Sequence[str]) -> list[_Entry]:
    """Consecutive events of one group on one day merged."""
    runs: list[list[Any]] = []  # [first event, its day, count]
    for event, day in zip(events, days, strict=True):
        if runs and runs[-1][0].group == event.group and runs[-1][1] == day:
            runs[-1][2] += 1
        else:
            runs.append([event, day, 1])
    return [_entry(first, count) for first, _, count in runs]


def _fit(events: Sequence[DiagramEvent], room: int) -> list[_Entry]:
    if len(events) <= room:
        return [_entry(e, 1) for e in events]
    days = [_day(e) for e in events]
    entries = _runs(events, days)
    if len(entries) <= room:
        return entries
    # Per class and day, then whole classes folded over the incident, chattiest first. With
    # every class folded there is one entry per class; there are about twenty, so it fits.
    # One pass counts the (day, class) buckets; each folding step then only does arithmetic.
    buckets: dict[tuple[str, str], list[Any]] = {}  # in order first met: [first event, count]
    per_group: dict[str, list[Any]] = {}  # [first event, count, days]
    for event, day in zip(events, days, strict=True):
        bucket = buckets.get((day, event.group))
        if bucket is None:
            buckets[(day, event.group)] = [event, 1]
            group = per_group.get(event.group)
            if group is None:
                per_group[event.group] = [event, 1, 1]
            else:
                group[1] += 1
                group[2] += 1
        else:
            bucket[1] += 1
            per_group[event.group][1] += 1
    ranks = sorted({(e.rank, e.group) for e in events})
    folded: set[str] = set()
    count = len(buckets)
    for rank_group in [None, *ranks]:
        if rank_group is not None and rank_group[1] not in folded:
            folded.add(rank_group[1])
            count -= per_group[rank_group[1]][2] - 1
        if count <= room:
            break
    fitted = []
    for (_, name), (first, n) in buckets.items():
        if name not in folded:
            fitted.append(_entry(first, n))
        elif per_group[name][0] is first:  # a folded class sits where it was first met
            fitted.append(_entry(first, per_group[name][1]))
    return fitted


def _shown(
    events: Sequence[DiagramEvent], milestones: Sequence[tuple[datetime, str]]
) -> list[DiagramEvent]:
    """The events less those that repeat a milestone: an "Incident declared" status line at the
    declaration says nothing the milestone does not. Only events within a minute of a milestone
    can, and `events` are in chronological order, so those are found by bisection."""
    repeats: set[int] = set()
    ats = [e.at for e in events]
    minute = timedelta(seconds=60)
    for at, label in milestones:
        lowered = label.lower()
        low, high = bisect_right(ats, at - minute), bisect_left(ats, at + minute)
        for index in range(low, high):
            event = events[index]
            if event.milestone == label or event.text.lower().startswith(lowered):
                repeats.add(index)
    if not repeats:
        return list(events)
    return [e for index, e in enumerate(events) if index not in repeats]


def diagram_data(
    *,
    title: str,
    milestones: Sequence[tuple[datetime, str]],
    events: Sequence[DiagramEvent],
) -> dict[str, Any]:
    """Sections (one per UTC day) of periods (HH:MM) of entry texts.

    `events` are the key events, already in chronological order. `entries` counts what is
    drawn; `events` how many key events those entries stand for."""
    shown = _shown(events, milestones)
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
