"""The in-memory unit of work keeps the promises of the SQL one the core tests rely on."""

from __future__ import annotations

import pytest

from bot.core.incidents.model import Category, Incident, Severity
from tests.fakes.clock import FakeClock
from tests.fakes.storage import InMemoryStorage


def an_incident(clock: FakeClock, **fields: object) -> Incident:
    values: dict[str, object] = {
        "title": "Refusals doubled",
        "severity": Severity.S2,
        "category": Category.SILENT_DRIFT,
        "declared_at": clock.now(),
    }
    return Incident.model_validate(values | fields)


async def test_a_clean_exit_commits_and_an_exception_keeps_nothing() -> None:
    storage, clock = InMemoryStorage(), FakeClock()
    async with storage() as tx:
        await tx.incidents.add(incident=an_incident(clock))
    with pytest.raises(RuntimeError):
        async with storage() as tx:
            await tx.incidents.add(incident=an_incident(clock, title="Never stored"))
            raise RuntimeError("the use case failed half-way")
    async with storage() as tx:
        assert [i.title for i in await tx.incidents.list_open()] == ["Refusals doubled"]


async def test_a_changed_model_is_stored_only_when_saved() -> None:
    storage, clock = InMemoryStorage(), FakeClock()
    async with storage() as tx:
        incident = await tx.incidents.add(incident=an_incident(clock))
        incident.title = "Edited but not saved"
    assert storage.incident(1).title == "Refusals doubled"


async def test_a_unit_of_work_is_single_use() -> None:
    unit = InMemoryStorage()()
    async with unit:
        pass
    with pytest.raises(RuntimeError):
        async with unit:
            pass
