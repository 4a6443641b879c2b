"""Which timeline events tell the incident's story, and how the bookkeeping is summed up.

A timeline gathers two sorts of lines: what happened (a change, an alarm, a lever pulled, a
phase or severity move, a note) and what the bot or a responder did to run the response
(a checklist tick, an invitation, the channel and its card). A reader of the postmortem wants
the first sort line by line; of the second, only how far each phase's checklist got, by whom
and when. The full log keeps every line.

Role assignments stay key events: who held command, and when it changed hands, is part of how
the response went, and an incident has only a handful of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.postmortem.analysis import as_utc
from bot.core.postmortem.formatting import iso
from bot.core.timeline import TimelineEvent, TimelineKind

# details["event"] of the lines that record running the response rather than the incident:
# provisioning (bot/core/incidents/provisioning.py) and checklist ticks (runbooks service).
_PROVISIONING = {"channel_created", "invited", "card_posted"}
_CHECKLIST = "entry"
_BOOKKEEPING_KINDS = {TimelineKind.STATUS, TimelineKind.PHASE}
# Bookkeeping before any phase has started (or in an incident without a runbook).
NO_PHASE = "Declaration"
_EN_DASH = "\u2013"
_PHASE_TITLE = re.compile(r"\(([^()]+)\)\s*$")


def is_bookkeeping(event: TimelineEvent) -> bool:
    marker = event.details.get("event")
    return event.kind in _BOOKKEEPING_KINDS and (marker in _PROVISIONING or marker == _CHECKLIST)


def _entered_phase(event: TimelineEvent) -> str | None:
    """The phase a phase line moves the incident into, if it is one."""
    if event.kind is not TimelineKind.PHASE:
        return None
    marker = event.details.get("event")
    if marker == "phase_started":
        return str(event.details.get("phase") or "") or None
    if marker == "phase_changed":
        return str(event.details.get("to") or "") or None
    return None


@dataclass
class _PhaseTally:
    phase: str
    title: str
    first: datetime
    last: datetime
    events: int = 0
    # item id -> (is an exit criterion, done) in its final state
    items: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    channel: bool = False
    invited: list[str] = field(default_factory=list)
    card: bool = False
    people: list[str] = field(default_factory=list)


def _span(first: datetime, last: datetime) -> str:
    """`2024-03-04 21:16` to `21:31` joined by an en dash, or both dates when the span crosses
    midnight (UTC)."""
    start = first.strftime("%Y-%m-%d %H:%M")
    if first.date() == last.date():
        return f"{start}{_EN_DASH}{last.strftime('%H:%M')}"
    return f"{start} {_EN_DASH} {last.strftime('%Y-%m-%d %H:%M')}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _line(tally: _PhaseTally, name: Callable[[str], str]) -> str:
    """`Triage: channel created, 2 people invited; 7 of 7 checks done by @carol; <span>`."""
    setup = []
    if tally.channel:
        setup.append("channel created")
    if tally.invited:
        setup.append(_plural(len(tally.invited), "person", "people") + " invited")
    if tally.card:
        setup.append("card posted and pinned")
    ticks = []
    checks = [done for criterion, done in tally.items.values() if not criterion]
    criteria = [done for criterion, done in tally.items.values() if criterion]
    if checks:
        ticks.append(f"{sum(checks)} of {len(checks)} checks done")
    if criteria:
        ticks.append(f"{sum(criteria)} of {len(criteria)} exit criteria confirmed")
    parts = [", ".join(setup)] if setup else []
    if ticks:
        people = (" by " + ", ".join(name(p) for p in tally.people)) if tally.people else ""
        parts.append(", ".join(ticks) + people)
    return f"{tally.title}: " + "; ".join([*parts, _span(tally.first, tally.last)])


def bookkeeping_summary(
    events: Sequence[TimelineEvent], name: Callable[[str], str]
) -> list[dict[str, object]]:
    """One line per phase for the bookkeeping lines in it, phases in the order first met.

    `events` are in chronological order; `name` writes a user id as the document does."""
    current = NO_PHASE
    titles: dict[str, str] = {}
    tallies: dict[str, _PhaseTally] = {}
    for event in events:
        entered = _entered_phase(event)
        if entered:
            current = entered
        if not is_bookkeeping(event):
            continue
        details = event.details
        phase = (
            str(details.get("phase") or current) if details.get("event") == _CHECKLIST else current
        )
        moment = as_utc(event.occurred_at)
        if phase not in titles:
            found = (
                _PHASE_TITLE.search(event.summary) if details.get("event") == _CHECKLIST else None
            )
            titles[phase] = (
                found[1] if found else phase.replace("_", " ").replace("-", " ").capitalize()
            )
        tally = tallies.setdefault(
            phase, _PhaseTally(phase=phase, title=titles[phase], first=moment, last=moment)
        )
        tally.events += 1
        tally.first, tally.last = min(tally.first, moment), max(tally.last, moment)
        marker = details.get("event")
        if marker == _CHECKLIST:
            if event.actor and event.actor not in tally.people:
                tally.people.append(event.actor)
            criterion = event.summary.startswith(("Confirmed", "Unconfirmed"))
            tally.items[str(details.get("item"))] = (criterion, bool(details.get("done")))
        elif marker == "channel_created":
            tally.channel = True
        elif marker == "card_posted":
            tally.card = True
        elif marker == "invited":
            for user in details.get("user_ids") or []:
                if user not in tally.invited:
                    tally.invited.append(str(user))
    return [
        {
            "phase": tally.phase,
            "title": tally.title,
            "events": tally.events,
            "from": iso(tally.first),
            "to": iso(tally.last),
            "text": _line(tally, name),
        }
        for tally in tallies.values()
    ]
