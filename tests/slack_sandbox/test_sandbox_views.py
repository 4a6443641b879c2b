"""Modals: trigger_id rules, updates by id or external id with hash checks, the view stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.slack_sandbox.sandbox_support import (
    Sandbox,
    modal,
    served_sandbox,
    slack_error,
    text_input,
)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with served_sandbox() as running:
        yield running


DECLARE = modal(text_input("title", "title"), private_metadata='{"channel": "C1"}')


async def test_a_trigger_id_opens_one_modal_only(sandbox: Sandbox) -> None:
    web = sandbox.web()
    trigger = sandbox.emulator.mint_trigger_id(user="U0ALICE")
    opened = await web.views_open(trigger_id=trigger, view=DECLARE)
    assert await slack_error(web.views_open(trigger_id=trigger, view=DECLARE)) == (
        "exchanged_trigger_id"
    )
    [view] = sandbox.emulator.open_views("U0ALICE")
    assert view.id == opened["view"]["id"]
    assert (view.callback_id, view.private_metadata) == ("declare", '{"channel": "C1"}')


async def test_a_trigger_id_expires_after_three_seconds(sandbox: Sandbox) -> None:
    web = sandbox.web()
    in_time = sandbox.emulator.mint_trigger_id(user="U0ALICE")
    late = sandbox.emulator.mint_trigger_id(user="U0ALICE")
    sandbox.clock.advance(2.9)
    await web.views_open(trigger_id=in_time, view=DECLARE)
    sandbox.clock.advance(0.2)
    assert await slack_error(web.views_open(trigger_id=late, view=DECLARE)) == (
        "expired_trigger_id"
    )
    made_up = web.views_open(trigger_id="12345.98765.abcdef", view=DECLARE)
    assert await slack_error(made_up) == "invalid_trigger_id"
    assert len(sandbox.emulator.open_views()) == 1


async def test_update_by_external_id_keeps_the_view_and_counts_the_update(
    sandbox: Sandbox,
) -> None:
    web = sandbox.web()
    trigger = sandbox.emulator.mint_trigger_id(user="U0ALICE")
    opened = await web.views_open(trigger_id=trigger, view={**DECLARE, "external_id": "decl-7"})
    changed = modal(text_input("title", "title"), text_input("summary", "summary"))
    updated = await web.views_update(external_id="decl-7", view=changed)
    assert updated["view"]["id"] == opened["view"]["id"]
    view = sandbox.emulator.view(opened["view"]["id"])
    assert view.update_count == 1
    assert [b["block_id"] for b in view.blocks] == ["title", "summary"]
    assert view.external_id == "decl-7"


async def test_a_stale_hash_is_a_conflict(sandbox: Sandbox) -> None:
    web = sandbox.web()
    trigger = sandbox.emulator.mint_trigger_id(user="U0ALICE")
    opened = await web.views_open(trigger_id=trigger, view=DECLARE)
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    second = await web.views_update(view_id=view_id, hash=first_hash, view=DECLARE)
    stale = web.views_update(view_id=view_id, hash=first_hash, view=DECLARE)
    assert await slack_error(stale) == "hash_conflict"
    await web.views_update(view_id=view_id, hash=second["view"]["hash"], view=DECLARE)
    assert sandbox.emulator.view(view_id).update_count == 2


async def test_a_closed_or_unknown_modal_cannot_be_updated(sandbox: Sandbox) -> None:
    web = sandbox.web()
    trigger = sandbox.emulator.mint_trigger_id(user="U0ALICE")
    view_id = (await web.views_open(trigger_id=trigger, view=DECLARE))["view"]["id"]
    sandbox.emulator.close_view(view_id)
    assert await slack_error(web.views_update(view_id=view_id, view=DECLARE)) == "not_found"
    assert await slack_error(web.views_update(view_id="V0NOPE", view=DECLARE)) == "not_found"


async def test_at_most_three_views_stack(sandbox: Sandbox) -> None:
    web = sandbox.web()
    emulator = sandbox.emulator
    root = await web.views_open(trigger_id=emulator.mint_trigger_id(user="U0BOB"), view=DECLARE)
    root_id = root["view"]["id"]
    for _ in range(2):
        trigger = emulator.mint_trigger_id(user="U0BOB", view_id=root_id)
        await web.views_push(trigger_id=trigger, view=DECLARE)
    fourth = web.views_push(
        trigger_id=emulator.mint_trigger_id(user="U0BOB", view_id=root_id), view=DECLARE
    )
    assert await slack_error(fourth) == "push_limit_reached"
    stack = emulator.open_views("U0BOB")
    assert [v.root_view_id for v in stack] == [root_id] * 3
    assert stack[2].previous_view_id == stack[1].id


async def test_app_home_is_published_per_person_and_updated_in_place(sandbox: Sandbox) -> None:
    web = sandbox.web()
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "1"}}],
    }
    first = await web.views_publish(user_id="U0CAROL", view=home)
    await web.views_publish(user_id="U0CAROL", view=home, hash=first["view"]["hash"])
    stale = web.views_publish(user_id="U0CAROL", view=home, hash=first["view"]["hash"])
    assert await slack_error(stale) == "hash_conflict"
    homes = sandbox.emulator.home_views
    assert list(homes) == ["U0CAROL"]
    assert homes["U0CAROL"].update_count == 1
