"""Choosing what the Mermaid timeline diagram shows.

An incident can gather thousands of timeline events; a diagram with thousands of entries is
unreadable and slow to draw. The diagram keeps the milestones (regression start, first alarm,
declared, mitigated, closed) and the events that explain the incident, control-plane changes
first, up to `MAX_ENTRIES`, and says how many it left out. The full list is in the timeline
table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.postmortem.formatting import iso
from bot.core.timeline import TimelineKind, is_control_plane

MAX_ENTRIES = 40

# Lower sorts first. Control-plane changes answer "what changed", so they come before how the
# response went; chat comes last.
_RESPONSE_KINDS = {
    TimelineKind.ALERT,
    TimelineKind.DETECTION,
    TimelineKind.MITIGATION,
    TimelineKind.STABILIZATION,
    TimelineKind.SEVERITY,
}
_BOOKKEEPING_KINDS = {TimelineKind.STATUS, TimelineKind.PHASE, TimelineKind.ROLE}


def _priority(kind: TimelineKind) -> int:
    if is_control_plane(kind):
        return 0
    if kind in _RESPONSE_KINDS:
        return 1
    if kind in _BOOKKEEPING_KINDS:
        return 2
    if kind is TimelineKind.UPDATE:
        return 3
    return 4


def _pick(events: Sequence[tuple[datetime, TimelineKind, str]], room: int) -> list[int]:
    """Indexes of the events to show: whole priority tiers while they fit, then an even
    spread over time of the tier that does not, so the diagram still covers the whole span."""
    tiers: dict[int, list[int]] = {}
    for index, (_, kind, _) in enumerate(events):
        tiers.setdefault(_priority(kind), []).append(index)
    kept: list[int] = []
    for priority in sorted(tiers):
        tier, left = tiers[priority], room - len(kept)
        if len(tier) <= left:
            kept += tier
            continue
        if left == 1:
            kept.append(tier[0])
        elif left > 1:
            step = (len(tier) - 1) / (left - 1)
            kept += [tier[round(k * step)] for k in range(left)]
        break
    return kept


def _repeats_milestone(
    event: tuple[datetime, TimelineKind, str], milestones: Sequence[tuple[datetime, str]]
) -> bool:
    """An "Incident declared" status line at the declaration says nothing the milestone does not."""
    moment, _, text = event
    return any(
        abs((moment - at).total_seconds()) < 60 and text.lower().startswith(label.lower())
        for at, label in milestones
    )


def diagram_data(
    *,
    title: str,
    milestones: Sequence[tuple[datetime, str]],
    events: Sequence[tuple[datetime, TimelineKind, str]],
) -> dict[str, Any]:
    """Sections (one per UTC day) of periods (HH:MM) of entry texts, plus the omitted count.

    `events` are (time, kind, text), already in chronological order."""
    events = [e for e in events if not _repeats_milestone(e, milestones)]
    room = MAX_ENTRIES - len(milestones)
    if len(events) > room:
        room -= 1  # keep a line to say how many were left out
        kept = sorted(_pick(events, room))
        chosen = [(events[i][0], events[i][2]) for i in kept]
    else:
        chosen = [(moment, text) for moment, _, text in events]
    omitted = len(events) - len(chosen)
    entries = sorted([*milestones, *chosen], key=lambda entry: entry[0])

    sections: list[dict[str, Any]] = []
    for moment, text in entries:
        stamp = iso(moment) or ""
        day, clock = stamp[:10], stamp[11:16]
        if not sections or sections[-1]["name"] != day:
            sections.append({"name": day, "periods": []})
        periods = sections[-1]["periods"]
        if not periods or periods[-1]["label"] != clock:
            periods.append({"label": clock, "events": []})
        periods[-1]["events"].append(text)
    return {"title": title, "sections": sections, "omitted": omitted}
