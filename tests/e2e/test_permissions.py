"""Who may do what, driven as Slack would: the commander, an admin (by id and through a user
group), an item's owner, someone in the channel and an outsider; and actions replayed from
another incident's channel, which are refused with nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import ActionsBlock, ButtonElement

from bot.core.incidents.model import Incident, Severity
from bot.core.postmortem.analysis import ActionStatus
from bot.demo.rehearsal import Rehearsal
from bot.slack.forms import close as close_form
from bot.slack.ids import ActionId, CallbackId
from slack_sandbox import SlackEmulator
from tests.rig import OpenRig, sqlite_file_url

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"  # commander, in the channel, outsider
DAVE, ERIN = "U0DAVE", "U0ERIN"  # admin by id, admin through the @incident-admins group


@dataclass
class World:
    rig: Rehearsal

    async def declare(self, title: str = "Judge drift", **values: Any) -> Incident:
        rig = self.rig
        general = rig.emulator.channel_by_name("general")
        assert general is not None
        await rig.slack.slash(f"open {title}", user=ALICE, channel=general.id)
        await rig.slack.settle()
        view = rig.emulator.open_views(ALICE)[-1]
        fields = {"severity": "S2", "category": "user_visible_regression", **values}
        await rig.slack.submit_view(view.id, fields, user=ALICE)
        await rig.slack.settle()
        incidents = await rig.runtime.deps.incidents.list_open()
        incident = max(incidents, key=lambda i: i.number or 0)
        assert incident.channel_id
        # Bob joins the channel; Carol never does.
        await rig.runtime.deps.slack.conversations_invite(channel=incident.channel_id, users=BOB)
        return incident

    async def slash(self, text: str, *, user: str, channel: str) -> str:
        await self.rig.slack.slash(text, user=user, channel=channel)
        await self.rig.slack.settle()
        answers = self.rig.emulator.ephemerals_for(user)
        return answers[-1].text if answers else ""

    async def stored(self, number: int | None) -> Incident:
        return await self.rig.runtime.deps.incidents.get(number or 0)


@pytest.fixture
async def world(tmp_path: Path, open_rig: OpenRig) -> AsyncIterator[World]:
    emulator = SlackEmulator()
    emulator.add_user(id=DAVE, name="dave")
    emulator.add_user(id=ERIN, name="erin")
    group = emulator.add_user_group("incident-admins", members=[ERIN])
    announce = emulator.add_channel("ai-incidents")
    async with open_rig(
        database_url=sqlite_file_url(tmp_path),
        emulator=emulator,
        announce_channel=announce.id,
        admins=f"{DAVE},{group}",
    ) as running:
        yield World(running)


STEERS = [(ALICE, True), (DAVE, True), (ERIN, True), (BOB, False), (CAROL, False)]


@pytest.mark.parametrize(("actor", "allowed"), STEERS)
async def test_severity_is_changed_by_the_commander_or_an_admin_only(
    world: World, actor: str, allowed: bool
) -> None:
    incident = await world.declare()
    answer = await world.slash("severity S1", user=actor, channel=incident.channel_id or "")
    severity = (await world.stored(incident.number)).severity
    if allowed:
        assert severity is Severity.S1
    else:
        assert severity is Severity.S2
        assert "Only the commander (@U0ALICE) or an admin can change the severity" in answer


@pytest.mark.parametrize(("actor", "allowed"), STEERS)
async def test_command_is_handed_over_by_the_commander_or_an_admin_only(
    world: World, actor: str, allowed: bool
) -> None:
    incident = await world.declare()
    answer = await world.slash(
        f"role commander <@{actor}>", user=actor, channel=incident.channel_id or ""
    )
    commander = (await world.stored(incident.number)).commander_id
    assert commander == (actor if allowed else ALICE)
    if not allowed:
        assert "can hand over command" in answer


@pytest.mark.parametrize(("actor", "allowed"), STEERS)
async def test_advance_anyway_is_the_commanders_or_an_admins(
    world: World, actor: str, allowed: bool
) -> None:
    incident = await world.declare()
    channel = incident.channel_id or ""
    await world.slash("phase next", user=ALICE, channel=channel)  # blocked: items open
    [prompt] = [
        e for e in world.rig.emulator.ephemerals_for(ALICE) if "anyway" in str(e.blocks).lower()
    ]
    button = next(
        element
        for block in prompt.blocks
        for element in block.get("elements", [])
        if element.get("action_id") == ActionId.PHASE_ADVANCE_ANYWAY
    )
    await world.rig.runtime.deps.slack.chat_postMessage(
        channel=channel,
        text="Advance anyway?",
        blocks=[ActionsBlock(elements=[ButtonElement(**_button(button))]).to_dict()],
    )
    [posted] = [m for m in world.rig.emulator.messages(channel) if m.text == "Advance anyway?"]
    await world.rig.slack.click(
        ActionId.PHASE_ADVANCE_ANYWAY, user=actor, channel=channel, message=posted.ts
    )
    await world.rig.slack.settle()
    phase = (await world.stored(incident.number)).phase
    assert (phase != "triage") is allowed


def _button(element: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": element["text"]["text"],
        "action_id": element["action_id"],
        "value": element.get("value"),
    }


async def _item(world: World, incident: Incident, owner: str | None) -> int:
    view_text = "action Re-index the corpus"
    await world.rig.slack.slash(view_text, user=ALICE, channel=incident.channel_id or "")
    await world.rig.slack.settle()
    view = world.rig.emulator.open_views(ALICE)[-1]
    await world.rig.slack.submit_view(view.id, {"category": "code", "owner_id": owner}, user=ALICE)
    await world.rig.slack.settle()
    [item] = (
        await world.rig.runtime.deps.postmortems.analysis_of(incident.number or 0)
    ).action_items
    assert item.id is not None
    return item.id


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(BOB, True), (ALICE, True), (DAVE, True), (ERIN, True), (CAROL, False)],
)
async def test_an_owned_item_is_dropped_by_its_owner_the_commander_or_an_admin(
    world: World, actor: str, allowed: bool
) -> None:
    """Bob owns the item; Carol is in the channel too, but it is not hers."""
    incident = await world.declare()
    channel, number = incident.channel_id or "", incident.number or 0
    await world.rig.runtime.deps.slack.conversations_invite(channel=channel, users=CAROL)
    item_id = await _item(world, incident, BOB)
    listing_user = actor
    await world.rig.slack.slash("actions", user=listing_user, channel=channel)
    await world.rig.slack.settle()
    listing = world.rig.emulator.open_views(listing_user)[-1]
    assert listing.payload["callback_id"] == CallbackId.ACTION_ITEMS_MODAL
    await world.rig.slack.click(
        ActionId.ACTION_ITEM_MORE,
        user=actor,
        view_id=listing.id,
        selected_option={"value": f"drop:{number}:{item_id}"},
    )
    await world.rig.slack.settle()
    [item] = (await world.rig.runtime.deps.postmortems.analysis_of(number)).action_items
    assert (item.status is ActionStatus.DROPPED) is allowed
    if not allowed:
        answer = world.rig.emulator.ephemerals_for(actor) or []
        dms = [
            m.text
            for c in world.rig.emulator.channels
            if c.is_im
            for m in world.rig.emulator.messages(c.id)
        ]
        assert any("can drop this action item" in t for t in [a.text for a in answer] + dms)


# -- replayed from another incident's channel ----------------------------------------------------


async def test_a_button_naming_another_incident_is_refused_and_changes_nothing(
    world: World,
) -> None:
    a = await world.declare("Incident A")
    b = await world.declare("Incident B")
    item_id = await _item(world, a, None)
    forged_value = f"{a.number}:{item_id}"
    await world.rig.runtime.deps.slack.chat_postMessage(
        channel=b.channel_id or "",
        text="Take it?",
        blocks=[
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text="Take it", action_id=ActionId.ACTION_ITEM_TAKE, value=forged_value
                    )
                ]
            ).to_dict()
        ],
    )
    [posted] = [m for m in world.rig.emulator.messages(b.channel_id or "") if m.text == "Take it?"]
    await world.rig.slack.click(
        ActionId.ACTION_ITEM_TAKE, user=ALICE, channel=b.channel_id, message=posted.ts
    )
    await world.rig.slack.settle()
    [item] = (await world.rig.runtime.deps.postmortems.analysis_of(a.number or 0)).action_items
    assert item.owner_id is None
    refusal = world.rig.emulator.ephemerals_for(ALICE, b.channel_id)[-1].text
    assert "names an incident other than the one of the channel" in refusal


async def test_a_modal_naming_another_incident_than_its_channel_is_refused(world: World) -> None:
    a = await world.declare("Incident A")
    b = await world.declare("Incident B")
    deps = world.rig.runtime.deps
    analysis = await deps.postmortems.analysis_of(a.number or 0)
    flags = (await deps.postmortems.document(a.number or 0)).postmortem.flags
    view = close_form.build(analysis, flags, exit_criteria=[])
    assert view.private_metadata is not None
    view.private_metadata = view.private_metadata.replace(
        f'"channel_id":"{a.channel_id}"', f'"channel_id":"{b.channel_id}"'
    )
    opened = await deps.slack.views_open(
        trigger_id=world.rig.emulator.mint_trigger_id(user=ALICE), view=view
    )
    anyway = {"close_anyway": ["close_anyway"]} if any(f.blocking for f in flags) else {}
    await world.rig.slack.submit_view(
        opened["view"]["id"], {"summary": "Rolled back.", **anyway}, user=ALICE
    )
    await world.rig.slack.settle()
    assert (await world.stored(a.number)).is_open
    assert (await world.stored(b.number)).is_open


# -- private incidents --------------------------------------------------------------------------


async def test_a_private_incident_is_never_shown_to_someone_not_in_its_channel(
    world: World,
) -> None:
    rig = world.rig
    secret = await world.declare("Leaked prompts", private=["private"])
    assert secret.private
    channel = rig.emulator.channel(secret.channel_id or "")
    assert channel.is_private
    announce = rig.emulator.channel_by_name("ai-incidents")
    assert announce is not None
    assert not [m for m in rig.emulator.messages(announce.id) if "Leaked prompts" in m.text]

    general = rig.emulator.channel_by_name("general")
    assert general is not None
    listing = await world.slash("list", user=CAROL, channel=general.id)
    assert "Leaked prompts" not in listing
    await rig.slack.open_app_home(CAROL)
    await rig.slack.settle()
    assert "Leaked prompts" not in str(rig.emulator.home_views[CAROL].blocks)

    # Bob, in its channel, sees it.
    listing = await world.slash("list", user=BOB, channel=general.id)
    assert "Leaked prompts" in listing
    await rig.slack.open_app_home(BOB)
    await rig.slack.settle()
    assert "Leaked prompts" in str(rig.emulator.home_views[BOB].blocks)
