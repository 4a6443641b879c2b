"""The "what changed" digest: the ledger's answer to triage's first question.

The runbook asks for model and retrieval changes in the 7 days before the regression started and
traffic shifts in the 48 hours before it (seeds/002). The digest takes the ledger's changes, keeps
the ones in those windows, and groups them by root-cause axis, newest first, so a responder sees
every axis that moved, not just the noisiest one. Slack caps a message, so only `max_items` are
shown; the rest are counted per axis and kind, never dropped without a word.

`digest_window` gives storage the same bounds the digest applies, so the query and the filter
can never disagree about what "the last 7 days" means.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from bot.core.changes.model import Change, ChangeKind, as_utc, concerns_service
from bot.core.errors import InvalidInput
from bot.core.timeline import Axis

DEFAULT_DAYS = 7
DEFAULT_TRAFFIC_HOURS = 48
# Fits a Slack message with room to spare: one block per change plus a header per axis, a
# context line and the tail summary stay well under the 50-block limit.
DEFAULT_MAX_ITEMS = 20
MAX_DAYS = 90
MAX_ITEMS_LIMIT = 40

# The order the postmortem and the root-cause modal list the axes in.
AXIS_ORDER: tuple[Axis, ...] = (
    Axis.MODEL,
    Axis.PROMPT,
    Axis.JUDGE,
    Axis.DATA,
    Axis.ENVIRONMENT,
)
AXIS_LABELS: dict[Axis, str] = {
    Axis.MODEL: "Model",
    Axis.PROMPT: "Prompt",
    Axis.JUDGE: "Judge",
    Axis.DATA: "Data",
    Axis.ENVIRONMENT: "Environment",
}


class DigestWindow(BaseModel):
    """Both windows, closed at both ends: `since <= occurred_at <= until`."""

    since: datetime
    traffic_since: datetime
    until: datetime

    @property
    def query_since(self) -> datetime:
        """The earliest bound of the two: what a storage query must reach back to."""
        return min(self.since, self.traffic_since)

    def contains(self, change: Change) -> bool:
        start = self.traffic_since if change.kind is ChangeKind.TRAFFIC else self.since
        return start <= change.occurred_at <= self.until


def _check_bounds(days: int, traffic_hours: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"give a whole number of days from 1 to {MAX_DAYS}")
    if not 1 <= traffic_hours <= MAX_DAYS * 24:
        raise InvalidInput("traffic_hours", f"give a number of hours from 1 to {MAX_DAYS * 24}")


def compute_window(
    *,
    regression_start: datetime | None,
    now: datetime,
    days: int = DEFAULT_DAYS,
    traffic_hours: int = DEFAULT_TRAFFIC_HOURS,
) -> DigestWindow:
    """The windows ending at the regression start.

    No regression start yet (or one typed in the future) means "now". Traffic never reaches
    further back than the main window: asking for the last day should not show two days of
    traffic.
    """
    _check_bounds(days, traffic_hours)
    now = as_utc(now)
    until = now if regression_start is None else min(as_utc(regression_start), now)
    traffic_span = min(timedelta(hours=traffic_hours), timedelta(days=days))
    return DigestWindow(
        since=until - timedelta(days=days),
        traffic_since=until - traffic_span,
        until=until,
    )


def digest_window(
    *,
    regression_start: datetime | None,
    now: datetime,
    days: int = DEFAULT_DAYS,
    traffic_hours: int = DEFAULT_TRAFFIC_HOURS,
) -> tuple[datetime, datetime]:
    """`(since, until)` for the storage query behind a digest (both ends inclusive)."""
    window = compute_window(
        regression_start=regression_start, now=now, days=days, traffic_hours=traffic_hours
    )
    return window.query_since, window.until


class DigestGroup(BaseModel):
    """One axis: the changes shown (newest first) and a count of those left out, by kind."""

    axis: Axis
    changes: list[Change]
    hidden_by_kind: dict[ChangeKind, int] = Field(default_factory=dict)

    @property
    def label(self) -> str:
        return AXIS_LABELS[self.axis]

    @property
    def hidden(self) -> int:
        return sum(self.hidden_by_kind.values())

    @property
    def total(self) -> int:
        return len(self.changes) + self.hidden


class Digest(BaseModel):
    """The changes in the window before the regression start, grouped by axis."""

    window: DigestWindow
    days: int
    traffic_hours: int
    service: str | None
    groups: list[DigestGroup]  # in AXIS_ORDER, only axes with at least one change

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def shown(self) -> int:
        return sum(len(group.changes) for group in self.groups)

    @property
    def hidden(self) -> int:
        return self.total - self.shown

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def tail_summary(self) -> str | None:
        """ "23 more not shown — Prompt: 20 (prompt 20) · Data: 3 (index 2, traffic 1)"."""
        parts = []
        for group in self.groups:
            if not group.hidden:
                continue
            kinds = ", ".join(
                f"{kind.value} {count}"
                for kind, count in sorted(group.hidden_by_kind.items(), key=lambda kc: -kc[1])
            )
            parts.append(f"{group.label}: {group.hidden} ({kinds})")
        if not parts:
            return None
        return f"{self.hidden} more not shown — " + " · ".join(parts)


def _newest_first_key(change: Change) -> tuple[datetime, int, str, str]:
    # Ties broken by ledger id, then identity, so the same ledger always reads the same way.
    return (change.occurred_at, change.id or 0, change.source, change.external_id)


def _pick_shown(ordered: list[Change], max_items: int) -> set[int]:
    """Indexes (into `ordered`, newest first) of the changes to show.

    Each axis that moved gets its newest change first, then the remaining room goes to the
    newest of the rest: twenty prompt edits must not hide the one model bump.
    """
    picked: list[int] = []
    axes_seen: set[Axis] = set()
    for index, change in enumerate(ordered):
        if change.axis not in axes_seen:
            axes_seen.add(change.axis)
            picked.append(index)
    chosen = set(picked[:max_items])
    for index in range(len(ordered)):
        if len(chosen) >= max_items:
            break
        chosen.add(index)
    return chosen


def build_digest(
    changes: Iterable[Change],
    *,
    regression_start: datetime | None,
    now: datetime,
    days: int = DEFAULT_DAYS,
    traffic_hours: int = DEFAULT_TRAFFIC_HOURS,
    service: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Digest:
    """The digest for an incident whose regression started at `regression_start`.

    `changes` may be wider than the window (e.g. the whole `digest_window` query); only those in
    the window, and concerning `service` (changes without a service concern every one), count.
    """
    if not 1 <= max_items <= MAX_ITEMS_LIMIT:
        raise InvalidInput("max_items", f"give a number from 1 to {MAX_ITEMS_LIMIT}")
    window = compute_window(
        regression_start=regression_start, now=now, days=days, traffic_hours=traffic_hours
    )
    relevant = [
        change
        for change in changes
        if window.contains(change) and concerns_service(change, service)
    ]
    relevant.sort(key=_newest_first_key, reverse=True)
    shown_indexes = _pick_shown(relevant, max_items)

    shown: dict[Axis, list[Change]] = {axis: [] for axis in AXIS_ORDER}
    hidden: dict[Axis, Counter[ChangeKind]] = {axis: Counter() for axis in AXIS_ORDER}
    for index, change in enumerate(relevant):
        if index in shown_indexes:
            shown[change.axis].append(change)
        else:
            hidden[change.axis][change.kind] += 1

    groups = [
        DigestGroup(axis=axis, changes=shown[axis], hidden_by_kind=dict(hidden[axis]))
        for axis in AXIS_ORDER
        if shown[axis] or hidden[axis]
    ]
    return Digest(
        window=window,
        days=days,
        traffic_hours=traffic_hours,
        service=service,
        groups=groups,
    )
