"""Every notice the core hands out, worded for Slack by its feature's builder."""

from __future__ import annotations

from bot.core.cases.notices import CaseCaptured, GateRunReported
from bot.core.events import Notice
from bot.core.incidents.notices import RoleAssigned, SeverityChanged, StakeholderUpdate
from bot.core.postmortem.notices import (
    ActionAdded,
    ActionAssigned,
    ActionCompleted,
    ActionDropped,
    DetectionRecorded,
    RootCauseRecorded,
    ScopeContradictsSeverity,
)
from bot.core.runbooks.notices import LeverPulled
from bot.slack.messages import cases, incidents, postmortem, runbooks


def notice_text(notice: Notice) -> str:
    match notice:
        case RoleAssigned():
            return incidents.role_assigned_text(notice)
        case SeverityChanged():
            return incidents.severity_changed_text(notice)
        case StakeholderUpdate():
            return incidents.stakeholder_update_text(notice)
        case LeverPulled():
            return runbooks.lever_pulled_text(notice)
        case DetectionRecorded():
            return postmortem.detection_recorded_text(notice)
        case ScopeContradictsSeverity():
            return postmortem.scope_contradiction_text(notice)
        case RootCauseRecorded():
            return postmortem.root_cause_recorded_text(notice)
        case ActionAdded():
            return postmortem.action_added_text(notice)
        case ActionAssigned():
            return postmortem.action_assigned_text(notice)
        case ActionCompleted():
            return postmortem.action_completed_text(notice)
        case ActionDropped():
            return postmortem.action_dropped_text(notice)
        case CaseCaptured():
            return cases.case_captured_text(notice)
        case GateRunReported():
            return cases.gate_run_reported_text(notice)
    raise TypeError(f"no Slack wording for {type(notice).__name__}")
