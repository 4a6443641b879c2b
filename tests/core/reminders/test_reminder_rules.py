"""The incident-level reminder rules, on a clock the test sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.incidents.model import Category, Incident, Severity, Status
from bot.core.reminders.rules import Cadences, ReminderKind, incident_reminders
from bot.core.runbooks.phases import PhaseRun

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CADENCES = Cadences()


def incident(**overrides: object) -> Incident:
    values: dict[str, object] = {
        "number": 7,
        "title": "Refusals spiked",
        "severity": Severity.S1,
        "category": Category.SILENT_DRIFT,
        "channel_id": "C07",
        "commander_id": "U0ALICE",
        "declared_at": T0,
        "phase_started_at": T0,
    }
    values.update(overrides)
    return Incident.model_validate(values)


def run(**overrides: object) -> PhaseRun:
    values: dict[str, object] = {
        "id": 3,
        "incident_number": 7,
        "runbook": "default",
        "phase": "triage",
        "started_at": T0,
    }
    values.update(overrides)
    return PhaseRun.model_validate(values)


def due(
    at: datetime, inc: Incident | None = None, r: PhaseRun | None = None, *, last: bool = False
) -> dict[ReminderKind, str]:
    found = incident_reminders(
        inc or incident(),
        r if r is not None else run(),
        timebox_minutes=15,
        is_last_phase=last,
        now=at,
        cadences=CADENCES,
    )
    return {reminder.kind: reminder.key for reminder in found}


def test_timebox_fires_when_due_not_before_and_once_per_phase_run() -> None:
    assert ReminderKind.PHASE_TIMEBOX not in due(T0 + timedelta(minutes=14, seconds=59))
    at_15 = due(T0 + timedelta(minutes=15))[ReminderKind.PHASE_TIMEBOX]
    at_90 = due(T0 + timedelta(minutes=90))[ReminderKind.PHASE_TIMEBOX]
    assert at_15 == at_90  # the same occurrence: claimed once, never sent twice
    # Leaving the phase starts a new run: the old reminder is gone, the new one not yet due.
    later = T0 + timedelta(minutes=20)
    assert ReminderKind.PHASE_TIMEBOX not in due(later, r=run(id=4, started_at=later))


def test_stale_update_for_s1_every_30_minutes_until_an_update_is_posted() -> None:
    assert ReminderKind.STALE_UPDATE not in due(T0 + timedelta(minutes=29))
    first = due(T0 + timedelta(minutes=30))[ReminderKind.STALE_UPDATE]
    same_period = due(T0 + timedelta(minutes=59))[ReminderKind.STALE_UPDATE]
    next_period = due(T0 + timedelta(minutes=60))[ReminderKind.STALE_UPDATE]
    assert first == same_period != next_period
    posted = incident(last_update_at=T0 + timedelta(minutes=50))
    assert ReminderKind.STALE_UPDATE not in due(T0 + timedelta(minutes=60), posted)


def test_stale_update_waits_an_hour_for_s2_and_never_for_s3() -> None:
    s2 = incident(severity=Severity.S2)
    assert ReminderKind.STALE_UPDATE not in due(T0 + timedelta(minutes=59), s2)
    assert ReminderKind.STALE_UPDATE in due(T0 + timedelta(minutes=60), s2)
    s3 = incident(severity=Severity.S3)
    assert ReminderKind.STALE_UPDATE not in due(T0 + timedelta(days=3), s3)


def test_postmortem_nudge_72_hours_into_post_incident_then_daily() -> None:
    post = run(id=9, phase="post-incident")
    calm = incident(severity=Severity.S3)
    assert ReminderKind.POSTMORTEM_OPEN not in due(T0 + timedelta(hours=71), calm, post, last=True)
    first = due(T0 + timedelta(hours=72), calm, post, last=True)[ReminderKind.POSTMORTEM_OPEN]
    day_later = due(T0 + timedelta(hours=96), calm, post, last=True)[ReminderKind.POSTMORTEM_OPEN]
    assert first != day_later
    # The last phase has no timebox nudge; it has the postmortem one instead.
    assert ReminderKind.PHASE_TIMEBOX not in due(T0 + timedelta(hours=72), calm, post, last=True)


def test_nothing_for_a_closed_incident() -> None:
    closed = incident(status=Status.CLOSED, closed_at=T0 + timedelta(minutes=5))
    assert due(T0 + timedelta(days=5), closed) == {}


def test_reminders_go_to_the_commander_or_the_channel_when_there_is_none() -> None:
    [with_commander] = [
        r
        for r in incident_reminders(
            incident(),
            run(),
            timebox_minutes=15,
            is_last_phase=False,
            now=T0 + timedelta(minutes=16),
            cadences=CADENCES,
        )
        if r.kind is ReminderKind.PHASE_TIMEBOX
    ]
    assert with_commander.user_id == "U0ALICE" and with_commander.channel_id is None
    [without] = [
        r
        for r in incident_reminders(
            incident(commander_id=None),
            run(),
            timebox_minutes=15,
            is_last_phase=False,
            now=T0 + timedelta(minutes=16),
            cadences=CADENCES,
        )
        if r.kind is ReminderKind.PHASE_TIMEBOX
    ]
    assert without.user_id is None and without.channel_id == "C07"


def test_item_rules_unowned_only_while_the_incident_is_open_overdue_after_the_due_day() -> None:
    from datetime import date

    from bot.core.postmortem.analysis import ActionCategory, ActionItem
    from bot.core.postmortem.ports import ItemToChase
    from bot.core.reminders.rules import item_reminders

    item = ActionItem(
        id=5, category=ActionCategory.EVAL_SET, title="Add regression cases", created_at=T0
    )
    open_chase = ItemToChase(incident_number=7, incident_open=True, channel_id="C07", item=item)
    closed = ItemToChase(incident_number=7, incident_open=False, channel_id="C07", item=item)
    soon = T0 + timedelta(minutes=10)
    assert [r.kind for r in item_reminders(open_chase, now=soon, cadences=CADENCES)] == [
        ReminderKind.UNOWNED_ITEM
    ]
    assert item_reminders(closed, now=soon, cadences=CADENCES) == []
    owned = item.model_copy(update={"owner_id": "U0BOB", "due": date(2026, 11, 3)})
    chase = ItemToChase(incident_number=7, incident_open=False, channel_id="C07", item=owned)
    before = datetime(2026, 11, 3, 23, 59, tzinfo=UTC)
    after = datetime(2026, 11, 4, 0, 0, tzinfo=UTC)
    assert item_reminders(chase, now=before, cadences=CADENCES) == []
    [overdue] = item_reminders(chase, now=after, cadences=CADENCES)
    assert overdue.user_id == "U0BOB"  # still chased after the close: the item is still open
