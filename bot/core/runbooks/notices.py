"""What walking the runbook tells the incident's channel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.events import Notice


@dataclass(frozen=True)
class LeverPulled(Notice):
    lever_title: str
    authorized_by: str
    trade_off: str  # the responder's words, as typed
