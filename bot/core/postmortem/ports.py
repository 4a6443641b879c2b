"""What the postmortem's records are stored through, and what closing asks of Slack.

Every repository method acts on one incident's records. Use cases lock the incident first
(IncidentRepository.get / get_by_channel), so writes to one incident's records never race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from bot.core.postmortem import CloseOverride, Postmortem
from bot.core.postmortem.analysis import ActionItem, Detection, Resolution, RootCause, SliceImpact


@dataclass(frozen=True)
class ItemToChase:
    incident_number: int
    incident_open: bool
    channel_id: str | None
    item: ActionItem


class AnalysisRepository(Protocol):
    """What responders record for the postmortem, one section per incident (scope: many rows)."""

    async def get_detection(self, *, incident_number: int) -> Detection | None: ...

    async def save_detection(self, *, incident_number: int, detection: Detection) -> None:
        """Insert or replace the incident's detection."""
        ...

    async def list_slices(self, *, incident_number: int) -> list[SliceImpact]:
        """Scope rows in the order they were added."""
        ...

    async def add_slice(self, *, incident_number: int, row: SliceImpact) -> SliceImpact:
        """Store a new row; returns it with its id."""
        ...

    async def save_slice(self, *, incident_number: int, row: SliceImpact) -> bool:
        """Replace the row with `row.id`; False when the incident has no such row."""
        ...

    async def remove_slice(self, *, incident_number: int, slice_id: int) -> bool:
        """False when the incident has no such row (already removed)."""
        ...

    async def get_root_cause(self, *, incident_number: int) -> RootCause | None: ...

    async def save_root_cause(self, *, incident_number: int, root_cause: RootCause) -> None: ...

    async def get_resolution(self, *, incident_number: int) -> Resolution | None: ...

    async def save_resolution(self, *, incident_number: int, resolution: Resolution) -> None: ...

    async def get_close_override(self, *, incident_number: int) -> CloseOverride | None: ...

    async def save_close_override(
        self, *, incident_number: int, override: CloseOverride
    ) -> None: ...


class ActionItemRepository(Protocol):
    async def add(self, *, incident_number: int, item: ActionItem) -> ActionItem:
        """Store a new item; returns it with its id."""
        ...

    async def get(self, *, incident_number: int, item_id: int) -> ActionItem | None:
        """The item, locked for update; None when the incident has no such item."""
        ...

    async def save(self, *, incident_number: int, item: ActionItem) -> None: ...

    async def list_for(self, *, incident_number: int) -> list[ActionItem]:
        """In the order the postmortem numbers them (by id)."""
        ...

    async def open_for_owner(self, *, owner_id: str) -> list[tuple[int, ActionItem]]:
        """Open items someone owns, across incidents, as (incident number, item)."""
        ...

    async def to_chase(
        self, *, unowned_created_before: datetime, due_before: date
    ) -> list[ItemToChase]:
        """Open items that may need a reminder: unowned ones (of open incidents) created
        before the first-reminder delay, and owned ones whose due date has passed."""
        ...


class PostmortemRepository(Protocol):
    """The compiled postmortem, stored at close (and refreshed when an action item changes)."""

    async def get(self, *, incident_number: int) -> Postmortem | None: ...

    async def save(self, *, incident_number: int, postmortem: Postmortem) -> None:
        """Insert or replace."""
        ...


class UserDirectory(Protocol):
    async def display_names(self, *, user_ids: list[str]) -> dict[str, str]:
        """Display names by user id; ids it cannot resolve are left out, never an error."""
        ...
