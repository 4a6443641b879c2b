"""The "what changed" digest read from a ledger of any size, in a handful of bounded queries.

`build_digest` (changes.digest) works on the changes it is given. Handing it every change in
the window would make the digest as slow as the ledger is busy: a CI job that records each
prompt tweak can put thousands of changes in a week. The digest only ever *shows*
`max_items` of them, though — the newest change of each axis that moved, then the newest of
the rest — and merely *counts* the others. So this module reads:

- the count of changes per kind in each window (one aggregate per window),
- the newest `max_items` changes of each window (one bounded, index-ordered scan each),
- for an axis that moved but has no change among those, its newest change (LIMIT 1),

and hands `build_digest` only those candidates. They contain every change the full digest
would show (see `_candidates`), so its choice is the same; the counts of what is not shown are
then taken from the aggregates instead of from the candidates.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from bot.core.changes.digest import (
    AXIS_ORDER,
    DEFAULT_DAYS,
    DEFAULT_MAX_ITEMS,
    DEFAULT_TRAFFIC_HOURS,
    Digest,
    DigestGroup,
    build_digest,
    compute_window,
)
from bot.core.changes.model import Change, ChangeKind
from bot.core.changes.ports import ChangeRepository

_MAIN_KINDS = frozenset(kind for kind in ChangeKind if kind is not ChangeKind.TRAFFIC)
_TRAFFIC_KINDS = frozenset({ChangeKind.TRAFFIC})


def digest_services(service: str | None) -> list[str | None] | None:
    """The ledger filter behind a digest: the feature's own changes and the provider-wide ones
    (filed under no service); without a feature, every change."""
    return None if service is None else [service, None]


async def read_digest(
    changes: ChangeRepository,
    *,
    regression_start: datetime | None,
    now: datetime,
    service: str | None,
    days: int = DEFAULT_DAYS,
    traffic_hours: int = DEFAULT_TRAFFIC_HOURS,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> Digest:
    """The digest `build_digest` would give over the whole ledger, read in bounded queries."""
    window = compute_window(
        regression_start=regression_start, now=now, days=days, traffic_hours=traffic_hours
    )
    services = digest_services(service)
    totals: Counter[ChangeKind] = Counter()
    candidates: dict[int, Change] = {}
    for since, kinds in ((window.since, _MAIN_KINDS), (window.traffic_since, _TRAFFIC_KINDS)):
        counted = await changes.count_by_kind(
            since=since, until=window.until, services=services, kinds=kinds
        )
        totals.update(counted)
        for change in await _candidates(
            changes,
            since=since,
            until=window.until,
            services=services,
            counted=counted,
            max_items=max_items,
        ):
            candidates[change.id or 0] = change

    digest = build_digest(
        candidates.values(),
        regression_start=regression_start,
        now=now,
        days=days,
        traffic_hours=traffic_hours,
        service=service,
        max_items=max_items,
    )
    return with_ledger_totals(digest, totals)


async def _candidates(
    changes: ChangeRepository,
    *,
    since: datetime,
    until: datetime,
    services: list[str | None] | None,
    counted: dict[ChangeKind, int],
    max_items: int,
) -> list[Change]:
    """The changes of one window the digest could show.

    The newest `max_items` cover "then the newest of the rest". A scan returns a newest-first
    prefix, so an axis with any change in it also has its newest change in it; an axis that
    moved but has none there gets one more LIMIT 1 read for its newest change.
    """
    kinds = set(counted)
    if not kinds:
        return []
    found = await changes.newest(
        since=since, until=until, services=services, kinds=kinds, limit=max_items
    )
    axes_found = {change.axis for change in found}
    for axis in AXIS_ORDER:
        axis_kinds = {kind for kind in kinds if kind.axis is axis}
        if axis_kinds and axis not in axes_found:
            found += await changes.newest(
                since=since, until=until, services=services, kinds=axis_kinds, limit=1
            )
    return found


def with_ledger_totals(digest: Digest, totals: Counter[ChangeKind]) -> Digest:
    """The digest with its "not shown" counts taken from the ledger's totals per kind."""
    shown: dict[ChangeKind, int] = Counter(
        change.kind for group in digest.groups for change in group.changes
    )
    by_axis = {group.axis: group for group in digest.groups}
    groups: list[DigestGroup] = []
    for axis in AXIS_ORDER:
        listed = by_axis[axis].changes if axis in by_axis else []
        hidden = {
            kind: totals[kind] - shown.get(kind, 0)
            for kind in sorted(totals, key=list(ChangeKind).index)
            if kind.axis is axis and totals[kind] > shown.get(kind, 0)
        }
        if listed or hidden:
            groups.append(DigestGroup(axis=axis, changes=listed, hidden_by_kind=hidden))
    return digest.model_copy(update={"groups": groups})
