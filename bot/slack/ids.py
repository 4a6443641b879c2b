"""Every Slack callback_id, action_id and block_id the bot uses, in one place.

Message builders, forms and listeners all import from here, so a renamed id can
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
    # Regression cases: the message shortcut, the picker it opens from another channel, the
    # case form and the list of an incident's cases
    CASE_SHORTCUT = "add_as_regression_case"
    CASE_PICK_MODAL = "regression_case_pick_incident"
    CASE_MODAL = "regression_case"
    CASES_MODAL = "regression_cases"
    LEVER_MODAL = "stabilization_lever"
    CHANGE_MODAL = "record_change"
    # The postmortem's forms
    DETECTION_MODAL = "pm_detection"
    SCOPE_MODAL = "pm_scope"
    SLICE_MODAL = "pm_slice"
    ROOT_CAUSE_MODAL = "pm_root_cause"
    ACTION_ITEM_MODAL = "pm_action_item"
    ACTION_ITEMS_MODAL = "pm_action_items"
    ACTION_DONE_MODAL = "pm_action_done"
    CLOSE_MODAL = "pm_close"


class ActionId(StrEnum):
    TITLE = "title"
    SEVERITY = "severity"
    CATEGORY = "category"
    AI_FEATURE = "ai_feature"
    HOW_DETECTED = "how_detected"
    REGRESSION_STARTED_AT = "regression_started_at"
    DESCRIPTION = "description"
    RUNBOOK = "runbook"
    PRIVATE = "private"
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
    # The change modal and the what-changed digest
    CHANGE_KIND = "change_kind"
    CHANGE_SERVICE = "change_service"
    CHANGE_BEFORE = "change_before"
    CHANGE_AFTER = "change_after"
    CHANGE_OCCURRED_AT = "change_occurred_at"
    CHANGE_URL = "change_url"
    CHANGE_NOTE = "change_note"
    DIGEST_ADD_TO_TIMELINE = "digest_add_to_timeline"
    # The scope list and the action-item list (also usable in channel messages: value is
    # "<incident number>:<row or item id>")
    SCOPE_ADD_ROW = "scope_add_row"
    SCOPE_EDIT_ROW = "scope_edit_row"
    SCOPE_REMOVE_ROW = "scope_remove_row"
    ACTION_ITEM_ADD = "action_item_add"
    ACTION_ITEM_DONE = "action_item_done"
    ACTION_ITEM_TAKE = "action_item_take"
    ACTION_ITEM_ASSIGN = "action_item_assign"
    ACTION_ITEM_MORE = "action_item_more"
    # The list of regression cases (value "<incident number>:<case id>", or the number alone
    # for Add)
    CASE_ADD = "case_add"
    CASE_EDIT = "case_edit"
    CASE_REMOVE = "case_remove"
    REMINDER_SNOOZE = "reminder_snooze"
    # Inputs of the postmortem forms that are not fields of their core input models
    SLICE_HIGHER_IS_BETTER = "higher_is_better"
    EXIT_CRITERIA_OTHER = "exit_criteria_other"
    CLOSE_ANYWAY = "close_anyway"
    CLOSE_REASON = "close_reason"


class BlockId(StrEnum):
    TITLE = "title"
    SEVERITY = "severity"
    CATEGORY = "category"
    AI_FEATURE = "ai_feature"
    HOW_DETECTED = "how_detected"
    REGRESSION_STARTED_AT = "regression_started_at"
    DESCRIPTION = "description"
    RUNBOOK = "runbook"
    PRIVATE = "private"
    UPDATE_TEXT = "update_text"
    PICK_INCIDENT = "pick_incident"
    LEVER_AUTHORIZED_BY = "lever_authorized_by"
    LEVER_TRADE_OFF = "lever_trade_off"
    CHANGE_KIND = "change_kind"
    CHANGE_SERVICE = "change_service"
    CHANGE_BEFORE = "change_before"
    CHANGE_AFTER = "change_after"
    CHANGE_OCCURRED_AT = "change_occurred_at"
    CHANGE_URL = "change_url"
    CHANGE_NOTE = "change_note"


class PostmortemForm(StrEnum):
    """The postmortem's forms. An input's block_id is `<form>.<field>` and its action_id the
    field, where the field is a field of the form's input model in bot.core.postmortem.forms
    (named by the enums below, `what_changed.<axis>`, `evidence_url.<axis>`) or one of the
    ActionIds above; so a check's error lands under exactly the input it is about."""

    DETECTION = "detection"
    SLICE = "slice"
    ROOT_CAUSE = "root_cause"
    ACTION = "action"
    DONE = "done"
    CLOSE = "close"


# The inputs of the postmortem's forms: each value is a field of the form's input model in
# bot.core.postmortem.forms (tests/slack/forms checks they stay equal).


class DetectionField(StrEnum):
    HOW = "how"
    SIGNAL = "signal"
    SIGNAL_URL = "signal_url"
    REGRESSION_STARTED_AT = "regression_started_at"
    FIRST_ALARM_AT = "first_alarm_at"
    WHAT_WE_MISSED = "what_we_missed"
    ALARM_IGNORED_OR_MISROUTED = "alarm_ignored_or_misrouted"


class SliceField(StrEnum):
    SLICE = "slice"
    METRIC = "metric"
    BASELINE = "baseline"
    INCIDENT_VALUE = "incident_value"
    USERS_AFFECTED = "users_affected"


class RootCauseField(StrEnum):
    AXES = "axes"
    FIRST_AXIS = "first_axis"
    WHY_NOT_CAUGHT = "why_not_caught"
    WHY_NOT_CAUGHT_TEXT = "why_not_caught_text"
    CONTRIBUTING_FACTORS = "contributing_factors"
    LAYER = "layer"


class ActionField(StrEnum):
    CATEGORY = "category"
    TITLE = "title"
    OWNER_ID = "owner_id"
    DUE = "due"
    ARTEFACT_URL = "artefact_url"
    LABELS = "labels"
    KAPPA = "kappa"
    TPR = "tpr"
    TNR = "tnr"
    JUDGE_VERSION = "judge_version"


class CaseField(StrEnum):
    """The inputs of the regression-case form: each value is a field of CaseInput
    (bot.core.cases.forms); its block_id is `case.<field>` and its action_id the field."""

    INPUT = "input"
    OBSERVED = "observed"
    EXPECTED = "expected"
    EXPECTATION = "expectation"
    SLICE = "slice"
    RISK = "risk"
    TRACE_URL = "trace_url"
    REQUEST_MODEL = "request_model"
    PROVIDER_NAME = "provider_name"
    PROMPT_NAME = "prompt_name"
    PROMPT_VERSION = "prompt_version"


class ResolutionField(StrEnum):
    SUMMARY = "summary"
    MITIGATED_AT = "mitigated_at"
    EXIT_CRITERIA_MET = "exit_criteria_met"
