"""Who may do what: the rule on the fakes, through the use cases that enforce it."""

from __future__ import annotations

import pytest

from bot.core.errors import IncidentNotFound
from bot.core.incidents.model import Category, DeclareInput, Role, Severity
from bot.core.incidents.permissions import NotPermitted, Permissions
from bot.core.postmortem.analysis import ActionCategory, ActionStatus
from bot.core.postmortem.forms import ActionItemInput, CompletionInput, ResolutionInput
from tests.core.assembly import ALICE, BOB, CAROL, Core

DAVE = "U0DAVE"  # the admin


class ListedAdmins:
    async def is_admin(self, user_id: str) -> bool:
        return user_id == DAVE


def core_with_admin() -> Core:
    core = Core()
    core.incidents.permissions = Permissions(admins=ListedAdmins())
    return core


async def item_owned_by(core: Core, owner: str | None) -> int:
    added = await core.action_items.create_action(
        number=1,
        actor=ALICE,
        form=ActionItemInput.check({"category": "code", "title": "Re-index", "owner_id": owner}),
    )
    assert added is not None and added.item.id is not None
    return added.item.id


@pytest.mark.parametrize(("actor", "allowed"), [(ALICE, True), (DAVE, True), (BOB, False)])
async def test_only_the_commander_or_an_admin_changes_the_severity(
    actor: str, allowed: bool
) -> None:
    core = core_with_admin()
    channel = Core.channel_of(await core.declare(severity=Severity.S2))
    if not allowed:
        with pytest.raises(NotPermitted, match=r"Only the commander \(@U0ALICE\) or an admin"):
            await core.incidents.set_severity(channel_id=channel, severity=Severity.S1, actor=actor)
        assert core.storage.incident(1).severity is Severity.S2
        return
    await core.incidents.set_severity(channel_id=channel, severity=Severity.S1, actor=actor)
    assert core.storage.incident(1).severity is Severity.S1


async def test_command_is_handed_over_by_the_commander_but_not_taken_by_anyone_else() -> None:
    core = core_with_admin()
    channel = Core.channel_of(await core.declare())
    with pytest.raises(NotPermitted, match="hand over command"):
        await core.incidents.assign_role(
            channel_id=channel, role=Role.COMMANDER, user_id=BOB, actor=BOB
        )
    assert core.storage.incident(1).commander_id == ALICE
    await core.incidents.assign_role(
        channel_id=channel, role=Role.COMMANDER, user_id=BOB, actor=ALICE
    )
    assert core.storage.incident(1).commander_id == BOB
    # The other roles stay anyone's to hand out.
    await core.incidents.assign_role(
        channel_id=channel, role=Role.SCRIBE, user_id=CAROL, actor=CAROL
    )
    assert core.storage.incident(1).scribe_id == CAROL


async def test_without_a_commander_anyone_may_take_command_and_nothing_else() -> None:
    core = Core()
    declared, _ = await core.incidents.declare(
        DeclareInput(title="Drift", severity=Severity.S2, category=Category.SILENT_DRIFT)
    )
    incident = core.storage.incident(declared.number or 0)
    channel = Core.channel_of(incident)
    assert incident.commander_id is None  # declared by automation: nobody to steer yet
    with pytest.raises(NotPermitted, match="has no commander yet"):
        await core.incidents.set_severity(channel_id=channel, severity=Severity.S1, actor=BOB)
    await core.incidents.assign_role(
        channel_id=channel, role=Role.COMMANDER, user_id=BOB, actor=BOB
    )
    await core.incidents.set_severity(channel_id=channel, severity=Severity.S1, actor=BOB)
    assert core.storage.incident(1).severity is Severity.S1


async def test_advancing_anyway_is_the_commanders_but_an_ordinary_advance_is_anyones() -> None:
    core = core_with_admin()
    channel = Core.channel_of(await core.declare())
    with pytest.raises(NotPermitted, match="advance the phase with required items open"):
        await core.phases.advance(channel_id=channel, target="mitigate", actor=BOB, force=True)
    assert core.storage.incident(1).phase == "triage"
    blocked = await core.phases.advance(channel_id=channel, target=None, actor=BOB)
    assert not blocked.advanced and blocked.open_items
    moved = await core.phases.advance(channel_id=channel, target="mitigate", actor=DAVE, force=True)
    assert moved.advanced


async def test_closing_is_the_commanders_and_an_admins() -> None:
    core = core_with_admin()
    await core.declare()
    form = ResolutionInput.check({"summary": "Rolled back the index."})
    with pytest.raises(NotPermitted, match="close the incident"):
        await core.postmortems.close(number=1, actor=BOB, form=form, close_anyway=True)
    assert core.storage.incident(1).is_open
    closed = await core.postmortems.close(number=1, actor=DAVE, form=form, close_anyway=True)
    assert closed is not None and not core.storage.incident(1).is_open


@pytest.mark.parametrize(
    ("owner", "actor", "allowed"),
    [
        (BOB, BOB, True),  # the owner
        (BOB, ALICE, True),  # the commander
        (BOB, DAVE, True),  # an admin
        (BOB, CAROL, False),  # someone else in the channel
        (None, CAROL, False),  # nobody owns it: take it first
    ],
)
async def test_an_item_is_completed_or_dropped_by_its_owner_the_commander_or_an_admin(
    owner: str | None, actor: str, allowed: bool
) -> None:
    core = core_with_admin()
    await core.declare()
    item_id = await item_owned_by(core, owner)
    done = CompletionInput.check(
        {"artefact_url": "https://git.example.com/mr/1"}, category=ActionCategory.CODE.value
    )
    if not allowed:
        with pytest.raises(NotPermitted, match="or an admin can complete this action item"):
            await core.action_items.complete_action(
                number=1, item_id=item_id, actor=actor, done=done
            )
        with pytest.raises(NotPermitted, match="or an admin can drop this action item"):
            await core.action_items.drop_action(number=1, item_id=item_id, actor=actor)
        [item] = (await core.postmortems.analysis_of(1)).action_items
        assert item.status is ActionStatus.OPEN
        return
    await core.action_items.drop_action(number=1, item_id=item_id, actor=actor)
    [item] = (await core.postmortems.analysis_of(1)).action_items
    assert item.status is ActionStatus.DROPPED


async def test_an_unowned_item_is_anyones_to_take_but_an_owned_one_is_not() -> None:
    core = core_with_admin()
    await core.declare()
    unowned = await item_owned_by(core, None)
    await core.action_items.take_action(number=1, item_id=unowned, actor=CAROL)
    with pytest.raises(NotPermitted, match=r"its owner \(@U0CAROL\)"):
        await core.action_items.take_action(number=1, item_id=unowned, actor=BOB)
    [item] = (await core.postmortems.analysis_of(1)).action_items
    assert item.owner_id == CAROL


class ChannelRoster:
    """Who is in which channel, as Slack's conversations.members would say."""

    def __init__(self, members: dict[str, set[str]]) -> None:
        self.members = members

    async def is_member(self, *, channel_id: str, user_id: str) -> bool:
        return user_id in self.members.get(channel_id, set())


async def test_a_private_incident_is_not_handed_to_someone_outside_its_channel() -> None:
    core = Core()
    declared, _ = await core.incidents.declare(
        DeclareInput(
            title="Leaked prompts in a private deployment",
            severity=Severity.S1,
            category=Category.USER_VISIBLE_REGRESSION,
            reporter_id=ALICE,
            private=True,
        )
    )
    incident = core.storage.incident(declared.number or 0)
    assert incident.number is not None and incident.channel_id is not None
    core.incidents.members = ChannelRoster({incident.channel_id: {ALICE}})

    assert (await core.incidents.get_for(incident.number, viewer=ALICE)).private
    with pytest.raises(IncidentNotFound):
        await core.incidents.get_for(incident.number, viewer=BOB)
