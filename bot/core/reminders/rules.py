"""Reminder rules: what is due now, each with a key that names one occurrence.

Nothing is scheduled per item. Each tick recomputes what is due from the current state, so a
reminder whose condition is gone (an owner set, an update posted, the phase left, the incident
closed) simply is not due any more. The key of an occurrence is deterministic — the same
reminder in the same period has the same key — so storage can claim it once across replicas
and restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from bot.core.cases.model import RegressionCase
from bot.core.incidents.model import Incident, Severity
from bot.core.postmortem.ports import ItemToChase
from bot.core.reminders.notices import (
    CasesNotInEvalSet,
    ItemOverdue,
    ItemUnowned,
    PhaseOverTimebox,
    PostmortemStillOpen,
    ReminderFacts,
    UpdateOverdue,
)
from bot.core.runbooks.phases import PhaseRun


class ReminderKind(StrEnum):
    UNOWNED_ITEM = "unowned_item"
    OVERDUE_ITEM = "overdue_item"
    PHASE_TIMEBOX = "phase_timebox"
    STALE_UPDATE = "stale_update"
    POSTMORTEM_OPEN = "postmortem_open"
    EVAL_SET_HELD = "eval_set_held"


@dataclass(frozen=True)
class Cadences:
    """How often each rule fires. Settings override these (AI_INCIDENT_REMIND_*)."""

    unowned_first: timedelta = timedelta(minutes=10)
    unowned_every: timedelta = timedelta(hours=24)
    overdue_every: timedelta = timedelta(hours=24)
    stale_update_s1: timedelta = timedelta(minutes=30)
    stale_update_s2: timedelta = timedelta(minutes=60)
    postmortem_after: timedelta = timedelta(hours=72)
    # An eval-set item whose cases have not left the bot: chased this long after the close,
    # then again every `eval_set_every`.
    eval_set_after_close: timedelta = timedelta(days=7)
    eval_set_every: timedelta = timedelta(days=7)
    # How long a claimed-but-unsent reminder stays claimed before another tick may retry it.
    # One occurrence is claimed per Slack post, so this must outlive one post with the Slack
    # client's timeout and retries, and it bounds how late a failed send is retried.
    claim_lease: timedelta = timedelta(minutes=2)


@dataclass(frozen=True)
class DueReminder:
    key: str
    kind: ReminderKind
    incident_number: int
    facts: ReminderFacts
    channel_id: str | None = None  # post in this channel…
    user_id: str | None = None  # …or DM this person
    subject: dict[str, str] = field(default_factory=dict)


def _period(now: datetime, anchor: datetime, every: timedelta) -> int:
    """Which `every`-long period since `anchor` we are in (0 is the first)."""
    return int((now - anchor) / every)


def stale_update_after(severity: Severity, cadences: Cadences) -> timedelta | None:
    if severity is Severity.S1:
        return cadences.stale_update_s1
    if severity is Severity.S2:
        return cadences.stale_update_s2
    return None


def incident_reminders(
    incident: Incident,
    run: PhaseRun | None,
    *,
    timebox_minutes: int | None,
    is_last_phase: bool,
    now: datetime,
    cadences: Cadences,
) -> list[DueReminder]:
    """The reminders an open incident itself calls for: a late phase, a stale stakeholder
    update, a postmortem still open long into post-incident. All nudge the commander."""
    if not incident.is_open or incident.channel_id is None or incident.number is None:
        return []
    commander = incident.commander_id
    due: list[DueReminder] = []
    if run is not None and run.id is not None and timebox_minutes is not None and not is_last_phase:
        late_at = run.started_at + timedelta(minutes=timebox_minutes)
        if now >= late_at:
            due.append(
                DueReminder(
                    key=f"{ReminderKind.PHASE_TIMEBOX}:{run.id}",
                    kind=ReminderKind.PHASE_TIMEBOX,
                    incident_number=incident.number,
                    user_id=commander,
                    channel_id=None if commander else incident.channel_id,
                    facts=PhaseOverTimebox(
                        number=incident.number,
                        channel_id=incident.channel_id,
                        phase=run.phase,
                        timebox_minutes=timebox_minutes,
                    ),
                    subject={"run": str(run.id), "phase": run.phase},
                )
            )
    threshold = stale_update_after(incident.severity, cadences)
    if threshold is not None:
        anchor = incident.last_update_at or incident.declared_at
        if now >= anchor + threshold:
            # Again every `threshold` until someone posts an update (which moves the anchor).
            period = _period(now, anchor + threshold, threshold)
            due.append(
                DueReminder(
                    key=f"{ReminderKind.STALE_UPDATE}:{incident.number}:"
                    f"{int(anchor.timestamp())}:{period}",
                    kind=ReminderKind.STALE_UPDATE,
                    incident_number=incident.number,
                    user_id=commander,
                    channel_id=None if commander else incident.channel_id,
                    facts=UpdateOverdue(
                        number=incident.number,
                        channel_id=incident.channel_id,
                        severity=incident.severity,
                        minutes=int(threshold.total_seconds() // 60),
                    ),
                    subject={"since": anchor.isoformat()},
                )
            )
    if run is not None and run.id is not None and is_last_phase:
        overdue_from = run.started_at + cadences.postmortem_after
        if now >= overdue_from:
            period = _period(now, overdue_from, timedelta(days=1))  # then once a day
            due.append(
                DueReminder(
                    key=f"{ReminderKind.POSTMORTEM_OPEN}:{run.id}:{period}",
                    kind=ReminderKind.POSTMORTEM_OPEN,
                    incident_number=incident.number,
                    user_id=commander,
                    channel_id=None if commander else incident.channel_id,
                    facts=PostmortemStillOpen(
                        number=incident.number,
                        channel_id=incident.channel_id,
                        hours=int(cadences.postmortem_after.total_seconds() // 3600),
                    ),
                    subject={"run": str(run.id)},
                )
            )
    return due


def overdue_anchor(due: date) -> datetime:
    """An item is overdue from the first moment after its due date (UTC)."""
    return datetime.combine(due + timedelta(days=1), time.min, tzinfo=UTC)


def item_reminders(chase: ItemToChase, *, now: datetime, cadences: Cadences) -> list[DueReminder]:
    """An unowned item of an open incident reminds its channel (soon after it is created, then
    every `unowned_every`); an owned item past its due date DMs its owner every
    `overdue_every`. Done or dropped items are never passed in."""
    item, number = chase.item, chase.incident_number
    if item.id is None:
        return []
    subject = {"incident": str(number), "item": str(item.id)}
    if item.owner_id is None:
        anchor = item.created_at + cadences.unowned_first
        if not chase.incident_open or chase.channel_id is None or now < anchor:
            return []
        period = _period(now, anchor, cadences.unowned_every)
        return [
            DueReminder(
                key=f"{ReminderKind.UNOWNED_ITEM}:{item.id}:{period}",
                kind=ReminderKind.UNOWNED_ITEM,
                incident_number=number,
                channel_id=chase.channel_id,
                facts=ItemUnowned(number=number, title=item.title),
                subject=subject,
            )
        ]
    if item.due is None or now < overdue_anchor(item.due):
        return []
    period = _period(now, overdue_anchor(item.due), cadences.overdue_every)
    return [
        DueReminder(
            key=f"{ReminderKind.OVERDUE_ITEM}:{item.id}:{period}",
            kind=ReminderKind.OVERDUE_ITEM,
            incident_number=number,
            user_id=item.owner_id,
            facts=ItemOverdue(number=number, title=item.title, due=item.due),
            subject=subject,
        )
    ]


def eval_set_reminders(
    chase: ItemToChase,
    *,
    closed_at: datetime,
    cases: list[RegressionCase],
    now: datetime,
    cadences: Cadences,
) -> list[DueReminder]:
    """An eval-set item still open a week after the close, while the incident's cases have not
    left the bot (or none was captured), reminds the incident's channel once a week. Exporting
    or pushing the cases, or completing or dropping the item, ends it."""
    item, number = chase.item, chase.incident_number
    if item.id is None or chase.incident_open or chase.channel_id is None:
        return []
    held = [case for case in cases if not case.in_eval_set]
    if cases and not held:
        return []  # in the eval set: only the item's completion is left, which is its owner's
    anchor = closed_at + cadences.eval_set_after_close
    if now < anchor:
        return []
    period = _period(now, anchor, cadences.eval_set_every)
    return [
        DueReminder(
            key=f"{ReminderKind.EVAL_SET_HELD}:{item.id}:{period}",
            kind=ReminderKind.EVAL_SET_HELD,
            incident_number=number,
            channel_id=chase.channel_id,
            facts=CasesNotInEvalSet(
                number=number,
                channel_id=chase.channel_id,
                title=item.title,
                days_closed=int((now - closed_at) / timedelta(days=1)),
                captured=len(cases),
                held=len(held),
            ),
            subject={"incident": str(number), "item": str(item.id)},
        )
    ]
