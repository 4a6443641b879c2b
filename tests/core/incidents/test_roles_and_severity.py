"""Roles and severity: stored, on the timeline, said in the channel, and the card refreshed;
a closed incident or a channel that is not an incident's refuses them."""

from __future__ import annotations

import pytest

from bot.core.errors import IncidentClosed, NotAnIncidentChannel
from bot.core.incidents.model import Role, Severity, Status
from bot.core.timeline import TimelineKind
from tests.core.assembly import ALICE, BOB, CAROL, Core


async def test_assigning_a_role_stores_it_invites_the_person_and_refreshes_the_card() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    core.slack.forget()
    await core.incidents.assign_role(channel_id=channel, role=Role.COMMS, user_id=BOB, actor=ALICE)
    assert core.storage.incident(1).comms_id == BOB
    assert core.slack.called("invite") == [{"channel_id": channel, "user_ids": [BOB]}]
    assert core.slack.notices_in(channel) == 1
    assert len(core.slack.called("update_card")) == 1
    [role] = [e for e in core.storage.timeline(1) if e.kind is TimelineKind.ROLE][-1:]
    assert role.actor == ALICE and role.details["user"] == BOB


async def test_handing_over_command_keeps_who_held_it_before() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare())
    await core.incidents.assign_role(
        channel_id=channel, role=Role.COMMANDER, user_id=CAROL, actor=ALICE
    )
    assert core.storage.incident(1).commander_id == CAROL
    handover = core.storage.timeline(1)[-1]
    assert handover.details["previous"] == ALICE and handover.details["user"] == CAROL


async def test_a_new_severity_is_recorded_said_and_shown_and_the_same_one_changes_nothing() -> None:
    core = Core()
    channel = Core.channel_of(await core.declare(severity=Severity.S2))
    core.slack.forget()
    await core.incidents.set_severity(channel_id=channel, severity=Severity.S1, actor=ALICE)
    assert core.storage.incident(1).severity is Severity.S1
    change = core.storage.timeline(1)[-1]
    assert change.kind is TimelineKind.SEVERITY
    assert change.details == {"from": "S2", "to": "S1"}
    # Worse than declared: announced where the declaration was, too.
    assert core.slack.methods() == ["post_notice", "update_card", "announce_escalation"]
    core.slack.forget()
    lines = len(core.storage.timeline(1))
    await core.incidents.set_severity(channel_id=channel, severity=Severity.S1, actor=ALICE)
    assert core.slack.calls == [] and len(core.storage.timeline(1)) == lines
    # Back down: the incident's channel hears it, the announce channel does not.
    await core.incidents.set_severity(channel_id=channel, severity=Severity.S3, actor=ALICE)
    assert core.slack.methods() == ["post_notice", "update_card"]


async def test_commands_outside_an_incident_channel_or_after_the_close_are_refused() -> None:
    core = Core()
    incident = await core.declare()
    with pytest.raises(NotAnIncidentChannel):
        await core.incidents.set_severity(channel_id="C0GENERAL", severity=Severity.S1, actor=BOB)
    async with core.storage() as tx:
        closed = await tx.incidents.get(number=1)
        assert closed is not None
        closed.status = Status.CLOSED
        await tx.incidents.save(incident=closed)
    with pytest.raises(IncidentClosed):
        await core.incidents.assign_role(
            channel_id=Core.channel_of(incident), role=Role.SCRIBE, user_id=BOB, actor=ALICE
        )
    assert core.storage.incident(1).scribe_id is None
