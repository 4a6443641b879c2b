"""What responders submit in the postmortem's forms, as the use cases take it.

The only place the core postmortem tests build form input: when the use cases' form
signatures change, this module changes and the tests stay as they are.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.core.postmortem.action_items_service import NumberedItem
from bot.core.postmortem.forms import (
    ActionItemInput,
    CompletionInput,
    DetectionInput,
    ResolutionInput,
    RootCauseInput,
    SliceInput,
)
from bot.core.postmortem.records_service import ScopeSaved
from bot.core.postmortem.service import Closed
from tests.core.assembly import Core


async def detection(
    core: Core,
    number: int,
    *,
    actor: str,
    how: str = "user_report",
    regression_started_at: datetime | None = None,
    first_alarm_at: datetime | None = None,
    what_we_missed: str | None = "Retrieval relevance was not tracked.",
) -> None:
    await core.records.record_detection(
        number=number,
        actor=actor,
        form=DetectionInput.check(
            {
                "how": how,
                "signal": "Partner escalation: fabricated citation",
                "regression_started_at": regression_started_at,
                "first_alarm_at": first_alarm_at,
                "what_we_missed": what_we_missed,
            },
            now=core.clock.now(),
        ),
    )


async def scope_row(
    core: Core,
    number: int,
    *,
    actor: str,
    slice_: str,
    baseline: str,
    value: str,
    users: str | None = None,
    once: str | None = None,
) -> ScopeSaved:
    return await core.records.add_slice(
        number=number,
        actor=actor,
        form=SliceInput.check(
            {
                "slice": slice_,
                "metric": "citation accuracy (%)",
                "baseline": baseline,
                "incident_value": value,
                "users_affected": users,
            }
        ),
        once=once,
    )


async def edit_row(
    core: Core, number: int, row_id: int, *, actor: str, slice_: str, baseline: str, value: str
) -> ScopeSaved:
    return await core.records.edit_slice(
        number=number,
        slice_id=row_id,
        actor=actor,
        form=SliceInput.check(
            {
                "slice": slice_,
                "metric": "citation accuracy (%)",
                "baseline": baseline,
                "incident_value": value,
            }
        ),
    )


async def root_cause(
    core: Core,
    number: int,
    *,
    actor: str,
    evidence: dict[str, str | None],
    first_axis: str | None = None,
) -> None:
    """Axes with their evidence URL (None: no evidence), each with what changed."""
    await core.records.record_root_cause(
        number=number,
        actor=actor,
        form=RootCauseInput.check(
            {
                "axes": list(evidence),
                "first_axis": first_axis,
                "what_changed": {axis: f"the {axis} moved" for axis in evidence},
                "evidence_url": evidence,
                "why_not_caught": "eval_coverage_gap",
            }
        ),
    )


async def action(
    core: Core,
    number: int,
    *,
    actor: str,
    title: str,
    category: str = "code",
    owner: str | None = None,
    due: date | None = None,
    once: str | None = None,
) -> NumberedItem | None:
    return await core.action_items.create_action(
        number=number,
        actor=actor,
        form=ActionItemInput.check(
            {"category": category, "title": title, "owner_id": owner, "due": due},
            now=core.clock.now(),
        ),
        once=once,
    )


async def complete(
    core: Core, number: int, item_id: int, *, actor: str, artefact_url: str | None
) -> NumberedItem | None:
    return await core.action_items.complete_action(
        number=number,
        item_id=item_id,
        actor=actor,
        done=CompletionInput.check({"artefact_url": artefact_url}, category="code"),
    )


async def close(
    core: Core,
    number: int,
    *,
    actor: str,
    anyway: bool = False,
    reason: str | None = None,
    once: str | None = None,
) -> Closed | None:
    return await core.postmortems.close(
        number=number,
        actor=actor,
        form=ResolutionInput.check(
            {"summary": "Rebuilt the index; citations back to baseline."}, now=core.clock.now()
        ),
        close_anyway=anyway,
        reason=reason,
        once=once,
    )
