"""Every Slack callback_id, action_id and block_id the bot uses, in one place.

Builders (bot/blocks) and listeners (bot/listeners) both import from here, so a renamed id can
never leave a button without a handler.
"""

from __future__ import annotations

from enum import StrEnum

SLASH_COMMAND = "/ai-incident"


class CallbackId(StrEnum):
    DECLARE_MODAL = "declare_incident"
    UPDATE_MODAL = "stakeholder_update"
    TIMELINE_SHORTCUT = "add_to_incident_timeline"
    TIMELINE_PICK_MODAL = "add_to_timeline_pick_incident"
    LEVER_MODAL = "stabilization_lever"


class ActionId(StrEnum):
    TITLE = "title"
    SEVERITY = "severity"
    CATEGORY = "category"
    AI_FEATURE = "ai_feature"
    HOW_DETECTED = "how_detected"
    REGRESSION_STARTED_AT = "regression_started_at"
    DESCRIPTION = "description"
    RUNBOOK = "runbook"
    UPDATE_TEXT = "update_text"
    PICK_INCIDENT = "pick_incident"
    # Buttons on the incident card
    CARD_POST_UPDATE = "card_post_update"
    # The phase checklist
    CHECKLIST_TOGGLE = "checklist_toggle"
    PHASE_NEXT = "phase_next"
    PHASE_ADVANCE_ANYWAY = "phase_advance_anyway"
    LEVER_CHOOSE = "lever_choose"
    LEVER_AUTHORIZED_BY = "lever_authorized_by"
    LEVER_TRADE_OFF = "lever_trade_off"


class BlockId(StrEnum):
    TITLE = "title"
    SEVERITY = "severity"
    CATEGORY = "category"
    AI_FEATURE = "ai_feature"
    HOW_DETECTED = "how_detected"
    REGRESSION_STARTED_AT = "regression_started_at"
    DESCRIPTION = "description"
    RUNBOOK = "runbook"
    UPDATE_TEXT = "update_text"
    PICK_INCIDENT = "pick_incident"
    LEVER_AUTHORIZED_BY = "lever_authorized_by"
    LEVER_TRADE_OFF = "lever_trade_off"
