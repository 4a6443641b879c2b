"""What the incident use cases tell the incident's channel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.events import Notice
from bot.core.incidents.model import Role, Severity


@dataclass(frozen=True)
class RoleAssigned(Notice):
    user_id: str
    role: Role


@dataclass(frozen=True)
class SeverityChanged(Notice):
    previous: Severity
    severity: Severity
    actor: str


@dataclass(frozen=True)
class StakeholderUpdate(Notice):
    actor: str
    text: str  # the author's words, as typed
