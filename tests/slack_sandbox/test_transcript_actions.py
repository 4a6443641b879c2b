"""What the transcript says a person did: the labels they saw, never the ids behind them."""

from __future__ import annotations

from slack_sandbox.render import describe_action

CHECKBOX = {
    "type": "checkboxes",
    "action_id": "checklist_toggle",
    "options": [{"text": {"type": "plain_text", "text": "Done"}, "value": "confirm"}],
}
ENTRY = {
    "type": "section",
    "block_id": "entry.triage.confirm",
    "text": {"type": "mrkdwn", "text": "*Confirm the regression is real*\n_run the query_"},
    "accessory": CHECKBOX,
}
ASSIGN = {
    "type": "users_select",
    "action_id": "action_item_assign",
    "placeholder": {"type": "plain_text", "text": "Assign…"},
}
LEVER = {
    "type": "static_select",
    "action_id": "lever_choose",
    "placeholder": {"type": "plain_text", "text": "Pull a stabilization lever…"},
}


def test_a_tick_names_the_checklist_entry_and_an_untick_says_so() -> None:
    ticked = {"selected_options": [CHECKBOX["options"][0]]}
    assert describe_action(ENTRY, CHECKBOX, ticked) == "ticked “Confirm the regression is real”"
    assert describe_action(ENTRY, CHECKBOX, {"selected_options": []}) == (
        "unticked “Confirm the regression is real”"
    )


def test_a_pick_in_a_menu_names_the_choice_and_the_menu_by_what_it_shows() -> None:
    row = {"type": "actions", "block_id": "action_item.1:3", "elements": [ASSIGN, LEVER]}
    assert describe_action(row, ASSIGN, {"selected_user": "U0CAROL"}) == (
        "picked <@U0CAROL> in “Assign…”"
    )
    option = {"text": {"type": "plain_text", "text": "Disable the affected capability"}}
    assert describe_action(row, LEVER, {"selected_option": option}) == (
        "picked “Disable the affected capability” in “Pull a stabilization lever…”"
    )
    assert "action_item" not in describe_action(row, ASSIGN, {"selected_user": "U0CAROL"})
