"""The current phase's timebox, looked up in the runbook catalogue (card and status share it)."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.incidents.model import Incident
from bot.core.runbooks.model import RunbookCatalog


def timebox_lookup(runbooks: RunbookCatalog) -> Callable[[Incident], int | None]:
    """The current phase's timebox, for the card; None when the runbook no longer has it."""

    def timebox_of(incident: Incident) -> int | None:
        if incident.runbook not in runbooks:
            return None
        runbook = runbooks.get(incident.runbook)
        if not runbook.has_phase(incident.phase):
            return None
        return runbook.phase(incident.phase).timebox_minutes

    return timebox_of
